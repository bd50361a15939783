"""The camera registry against SQLite and PostgreSQL: credentials sealed, subtree
access, GB/T 28181 channels of bound devices, attachments audited."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from rooms import cameras
from rooms.credentials import CredentialBox, Credentials
from rooms.db import Database
from rooms.demo import seed_demo_city
from rooms.domain import DomainError, do_create_case, do_create_case_room
from rooms.models import AuditEntry, Camera, User
from rooms.policy import Subject


def subject(user: User, path: str) -> Subject:
    return Subject(id=user.id, name=user.display_name, role=user.role, org_path=path)


async def world(db: Database):  # type: ignore[no-untyped-def]
    async with db.session() as s:
        demo = await seed_demo_city(s)
    paths = {k: o.path for k, o in demo.orgs.items()}
    admin = subject(demo.users["city-admin"], paths["city"])
    east = subject(demo.users["mediator-east"], paths["east"])
    west = subject(demo.users["mediator-west"], paths["west"])
    return demo, admin, east, west


async def audit_actions(db: Database) -> list[str]:
    async with db.session() as s:
        return list((await s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))).scalars())


async def test_rtsp_camera_keeps_no_password_in_clear(database: Database) -> None:
    demo, admin, east, west = await world(database)
    box = CredentialBox(os.urandom(32))
    async with database.transaction() as s:
        camera = await cameras.do_create_camera(
            s,
            admin,
            box,
            organisation=demo.orgs["east-1"],
            name="菜市场东门",
            location="东门入口",
            rtsp_url="rtsp://admin:Secr3t!@10.1.2.3:554/Streaming/Channels/101",
        )
    async with database.session() as s:
        stored = await s.get(Camera, camera.id)
        assert stored is not None
        assert stored.rtsp_url == "rtsp://10.1.2.3:554/Streaming/Channels/101"
        assert "Secr3t" not in (stored.credentials or "")
        spec = cameras.camera_spec(stored, box)
        assert spec.credentials == Credentials("admin", "Secr3t!")
        assert spec.tile_name == "监控 · 菜市场东门"
        # the east mediator sees it, the west one doesn't
        assert [c.id for c in await cameras.list_cameras(s, east)] == [camera.id]
        assert await cameras.list_cameras(s, west) == []
        await cameras.access_camera_by_id(s, east, camera.id)
        with pytest.raises(DomainError) as refused:
            await cameras.access_camera_by_id(s, west, camera.id)
        assert refused.value.status == 403
        # mediators use cameras but don't keep the registry
        with pytest.raises(DomainError):
            await cameras.access_camera_by_id(s, east, camera.id, "camera.manage")
    entries = await audit_actions(database)
    assert entries[-1] == "camera.create"


async def test_bad_sources_are_refused(database: Database) -> None:
    demo, admin, *_ = await world(database)
    box = CredentialBox(os.urandom(32))
    bad = [
        {"rtsp_url": "file:///etc/passwd"},
        {"rtsp_url": "http://10.0.0.1/x"},
        {"rtsp_url": "rtsp:///nohost"},
        {"rtsp_url": "rtsp://host:99999/x"},
        {"rtsp_url": "rtsp://10.0.0.1/a b"},
        {"gb_device_id": "123", "gb_channel_id": "34020000001320000001"},
        {"gb_device_id": "34020000001180000001"},  # not bound
        {},
        {"rtsp_url": "rtsp://h/x", "gb_device_id": "34020000001180000001"},
    ]
    for kwargs in bad:
        async with database.session() as s:
            with pytest.raises(DomainError) as refused:
                await cameras.do_create_camera(
                    s, admin, box, organisation=demo.orgs["east"], name="x", **kwargs
                )
            assert refused.value.code in ("bad_url", "bad_request", "not_found"), kwargs
    async with database.session() as s:
        with pytest.raises(DomainError):
            await cameras.do_create_camera(
                s, admin, box, organisation=demo.orgs["east"], name=" ", rtsp_url="rtsp://h/x"
            )


async def test_gb_channel_of_a_bound_device_and_updates(database: Database) -> None:
    demo, admin, east, west = await world(database)
    box = CredentialBox(os.urandom(32))
    device = "34020000001180000001"
    async with database.transaction() as s:
        await cameras.do_bind_gb_device(
            s, admin, box, organisation=demo.orgs["east"], device_id=device, name="东城 NVR",
            password="nvr-pass",
        )  # fmt: skip
    async with database.transaction() as s:
        with pytest.raises(DomainError) as twice:
            await cameras.do_bind_gb_device(
                s, admin, box, organisation=demo.orgs["east"], device_id=device, name="x",
                password=None,
            )  # fmt: skip
        assert twice.value.status == 409
    async with database.session() as s:
        assert await cameras.gb_device_passwords(s, box) == {device: "nvr-pass"}
        assert [b.device_id for b in await cameras.list_gb_devices(s, east)] == [device]
        assert await cameras.list_gb_devices(s, west) == []
    async with database.transaction() as s:
        camera = await cameras.do_create_camera(
            s, admin, box, organisation=demo.orgs["east"], name="楼道",
            gb_device_id=device, gb_channel_id="34020000001320000007",
        )  # fmt: skip
        assert camera.source == "gb28181" and camera.credentials is None
    async with database.transaction() as s:
        fresh, _ = await cameras.access_camera_by_id(s, admin, camera.id, "camera.manage")
        await cameras.do_update_camera(
            s, admin, box, fresh,
            {"rtspUrl": "rtsp://u:p@10.9.9.9/live", "name": "楼道 2"},
        )  # fmt: skip
    async with database.transaction() as s:
        fresh, _ = await cameras.access_camera_by_id(s, admin, camera.id, "camera.manage")
        assert fresh.source == "rtsp" and fresh.rtsp_url == "rtsp://10.9.9.9/live"
        assert cameras.camera_spec(fresh, box).credentials == Credentials("u", "p")
        # a new address without userinfo keeps the stored credentials; a password alone changes
        await cameras.do_update_camera(s, admin, box, fresh, {"rtspUrl": "rtsp://10.9.9.10/x"})
        assert cameras.camera_spec(fresh, box).credentials == Credentials("u", "p")
        await cameras.do_update_camera(s, admin, box, fresh, {"password": "new"})
        assert cameras.camera_spec(fresh, box).credentials == Credentials("u", "new")
    async with database.transaction() as s:
        fresh, _ = await cameras.access_camera_by_id(s, admin, camera.id, "camera.manage")
        await cameras.do_delete_camera(s, admin, fresh)
    async with database.session() as s:
        assert await s.get(Camera, camera.id) is None
    entries = await audit_actions(database)
    assert entries[-6:] == [
        "gb_device.bind", "camera.create", "camera.update", "camera.update", "camera.update",
        "camera.delete",
    ]  # fmt: skip
    async with database.session() as s:
        detail = (
            (await s.execute(select(AuditEntry.detail).where(AuditEntry.action == "camera.update")))
            .scalars()
            .all()
        )
    assert {"fields": ["password"]} in detail and "new" not in str(detail)


async def test_attach_share_detach_are_audited_once(database: Database) -> None:
    demo, admin, east, _ = await world(database)
    box = CredentialBox(os.urandom(32))
    async with database.transaction() as s:
        case = await do_create_case(
            s, east, organisation=demo.orgs["east-1"], type="t", title="摊位纠纷",
            severity="yellow", parties=[],
        )  # fmt: skip
        room = await do_create_case_room(s, east, case, demo.orgs["east-1"].path)
        camera = await cameras.do_create_camera(
            s, admin, box, organisation=demo.orgs["east-1"], name="东门", rtsp_url="rtsp://h/x"
        )
    async with database.transaction() as s:
        _, new = await cameras.do_attach_camera(s, room, camera, actor=east.id)
        _, again = await cameras.do_attach_camera(s, room, camera, actor=east.id)
        assert (new, again) == (True, False)
        await cameras.do_share_camera(s, room.id, camera.id, True, actor=east.id)
        await cameras.do_share_camera(s, room.id, camera.id, False, actor=east.id)
        rows = await cameras.attached_cameras(s, room.id)
        assert [(r.shared, c.id) for r, c in rows] == [(False, camera.id)]
        assert await cameras.do_detach_camera(s, room.id, camera.id, actor=east.id)
        assert not await cameras.do_detach_camera(s, room.id, camera.id, actor=east.id)
        assert await cameras.attached_cameras(s, room.id) == []
        with pytest.raises(DomainError):
            await cameras.do_share_camera(s, room.id, camera.id, True, actor=east.id)
    assert (await audit_actions(database))[-4:] == [
        "camera.attach", "camera.share", "camera.unshare", "camera.detach",
    ]  # fmt: skip
