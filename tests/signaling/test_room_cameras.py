"""Cameras in case rooms, end to end with real peers: a GStreamer RTSP camera (and a
SIPp GB/T 28181 device with FFmpeg's PS over RTP) attached from the room socket,
played to the mediator's aiortc subscriber as a tile "监控 · name", hidden from the
party until shared (audited either way), recorded with the room, one pull shared by
every room, stopped after the last one leaves."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from recorder.store import recordings_dir
from recorder.verify import verify
from rooms import cameras
from rooms.demo import DemoCity, seed_demo_city
from rooms.models import AuditEntry, Room
from rooms.policy import Subject
from rooms.tokens import issue
from signaling.keys import (
    CAMERA_BOX,
    CAMERA_SETTINGS,
    DATABASE,
    GB_SERVICE,
    LIVE_CAMERAS,
    SERVER,
    TOKEN_SECRET,
)
from tests.media.camera_helpers import StateLog
from tests.services import free_port
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_room_namespace import _connected
from tests.simulators.rtsp import RtspCamera
from tests.simulators.sipp import Channel, DeviceScenario, SippDevice


@pytest.fixture
def camera_sim() -> Iterator[RtspCamera]:
    with RtspCamera(gop=12) as sim:
        yield sim


async def city(hub: Hub, url: str, *, rooms: int = 1) -> tuple[DemoCity, list[Room], str]:
    """The demo city, case rooms in east-1 and an RTSP camera of east-1."""
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        made = [await case_room(s, demo, "east-1", title=f"摊位纠纷{i}") for i in range(rooms)]
        admin = demo.users["city-admin"]
        boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
        camera = await cameras.do_create_camera(
            s, boss, hub.app[CAMERA_BOX], organisation=demo.orgs["east-1"], name="菜市场东门",
            rtsp_url=url,
        )  # fmt: skip
    return demo, made, camera.id


def party(hub: Hub, room: Room, name: str = "张三") -> str:
    secret = hub.app[TOKEN_SECRET]
    return issue(secret, sub=f"p-{name}", name=name, role="party", room=room.id, ttl_s=600)


async def audit(hub: Hub) -> list[tuple[str, dict[str, Any]]]:
    async with hub.app[DATABASE].session() as s:
        rows = await s.execute(
            select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq)
        )
        return [(a, d) for a, d in rows.all() if a.startswith("camera.")]


async def test_staff_see_the_camera_parties_only_when_shared(
    hub: Hub, clients: list[ProtocolClient], camera_sim: RtspCamera
) -> None:
    demo, (room,), camera_id = await city(hub, camera_sim.url())
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    joined = await mediator.join(room=room.id)
    assert {"camera.attach", "camera.control", "camera.capture"} <= set(joined["permissions"])
    someone = await _connected(hub, clients, party(hub, room))
    assert "camera.attach" not in (await someone.join(consent=True))["permissions"]

    listed = await mediator.request("camera-list")
    assert [(c["id"], c["attached"]) for c in listed["cameras"]] == [(camera_id, False)]
    refused = await someone.request("camera-attach", {"cameraId": camera_id})
    assert refused["error"]["code"] == "forbidden"
    attached = await mediator.request("camera-attach", {"cameraId": camera_id})
    assert attached["ok"], attached
    tile = attached["camera"]
    assert tile["id"] == f"camera:{camera_id}" and tile["name"] == "监控 · 菜市场东门"
    assert tile["role"] == "camera" and tile["shared"] is False

    # the mediator's page gets the producer (owned by the tile) and plays its frames
    added = await mediator.wait_event(
        "producer-added", lambda p: p["participantId"] == tile["id"], 20
    )
    assert added["source"] == "cctv" and added["codec"].lower() == "video/h264"
    await mediator.negotiate()
    assert await mediator.frames_from(added["id"], at_least=25, limit=20) >= 25
    assert (await mediator.request("camera-list"))["cameras"][0]["attached"] is True

    # the party knows nothing of it
    await someone.negotiate()
    assert "camera-added" not in someone.events and "producer-added" not in someone.events
    assert added["id"] not in someone.mid_to_producer.values()

    refused = await someone.request("camera-share", {"cameraId": camera_id, "shared": True})
    assert refused["error"]["code"] == "forbidden"
    shared = await mediator.request("camera-share", {"cameraId": camera_id, "shared": True})
    assert shared["ok"], shared
    shown = await someone.wait_event("camera-added")
    assert shown["id"] == tile["id"] and shown["name"] == "监控 · 菜市场东门"
    assert [p["id"] for p in shown["producers"]] == [added["id"]]
    await someone.wait_event("renegotiate")
    assert await someone.frames_from(added["id"], at_least=10, limit=20) >= 10

    # a party who comes in now sees the shared camera in its join answer
    late = await _connected(hub, clients, party(hub, room, "李四"))
    assert [c["id"] for c in (await late.join(consent=True))["cameras"]] == [tile["id"]]

    unshared = await mediator.request("camera-share", {"cameraId": camera_id, "shared": False})
    assert unshared["ok"]
    gone = await someone.wait_event("camera-removed")
    assert gone["id"] == tile["id"]
    assert await late.wait_event("camera-removed")
    assert [c["id"] for c in (await mediator.request("camera-list"))["cameras"]] == [camera_id]

    detached = await mediator.request("camera-detach", {"cameraId": camera_id})
    assert detached["ok"], detached
    await mediator.wait_event("camera-removed")
    assert [a for a, _ in await audit(hub)] == [
        "camera.create", "camera.attach", "camera.share", "camera.unshare", "camera.detach",
    ]  # fmt: skip
    again = await mediator.request("camera-detach", {"cameraId": camera_id})
    assert again["error"]["code"] == "not_attached"


async def test_one_pull_for_every_room_stopped_after_the_last(
    hub: Hub, clients: list[ProtocolClient], camera_sim: RtspCamera
) -> None:
    hub.app[CAMERA_SETTINGS].linger_s = 0.0
    demo, rooms, camera_id = await city(hub, camera_sim.url(), rooms=2)
    token = await staff_token(hub.app, demo.users["mediator-east"])
    command = await staff_token(hub.app, demo.users["command"])
    first = await _connected(hub, clients, token)
    second = await _connected(hub, clients, command)
    await first.join(room=rooms[0].id)
    await second.join(room=rooms[1].id)
    assert (await first.request("camera-attach", {"cameraId": camera_id}))["ok"]
    # command-center staff attach too (and may not share: that's the mediator's)
    assert (await second.request("camera-attach", {"cameraId": camera_id}))["ok"]
    refused = await second.request("camera-share", {"cameraId": camera_id, "shared": True})
    assert refused["error"]["code"] == "forbidden"
    live = hub.app[LIVE_CAMERAS].get(camera_id)
    assert live is not None and len(live.source.watchers) == 2
    for client in (first, second):
        added = await client.wait_event("producer-added", lambda p: p["source"] == "cctv", 20)
        await client.negotiate()
        await client.frames_from(added["id"], at_least=10, limit=20)
    assert live.source.stats.sessions == 1  # one RTSP session feeds both rooms
    log = StateLog(live.source)
    await first.request("camera-detach", {"cameraId": camera_id})
    assert live.source.pulling and len(live.source.watchers) == 1
    await second.request("camera-detach", {"cameraId": camera_id})
    await log.wait_for("idle")
    assert not live.source.pulling


async def test_attached_before_anyone_came_and_recorded_with_the_room(
    hub: Hub, clients: list[ProtocolClient], camera_sim: RtspCamera
) -> None:
    demo, (room,), camera_id = await city(hub, camera_sim.url())
    headers = {"Authorization": f"Bearer {await staff_token(hub.app, demo.users['mediator-east'])}"}
    import aiohttp

    async with aiohttp.ClientSession() as http:
        url = f"{hub.url.rstrip('/')}/api/v1/rooms/{room.id}/cameras"
        async with http.post(url, json={"cameraId": camera_id}, headers=headers) as r:
            made = await r.json()
            assert r.status == 201 and made["live"] is False, made
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    joined = await mediator.join(room=room.id)
    assert [c["id"] for c in joined["cameras"]] == [f"camera:{camera_id}"]
    added = await mediator.wait_event("producer-added", lambda p: p["source"] == "cctv", 20)
    started = await mediator.request("record-start")
    assert started["ok"], started
    await mediator.negotiate()
    await mediator.frames_from(added["id"], at_least=60, limit=20)
    stopped = await mediator.request("record-stop")
    assert stopped["ok"]
    directory = recordings_dir(hub.app[SERVER].data_dir) / started["recording"]["recordingId"]
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    tracks = [t for t in manifest["tracks"].values() if t["app_data"].get("camera") == camera_id]
    assert len(tracks) == 1 and tracks[0]["codec"].lower() == "video/h264"
    assert tracks[0]["app_data"]["name"] == "监控 · 菜市场东门"
    camera_segments = [s for s in manifest["segments"] if s["track"] in manifest["tracks"]
                       and manifest["tracks"][s["track"]]["app_data"].get("camera")]  # fmt: skip
    assert camera_segments and sum(s["frames"] for s in camera_segments) >= 50


async def test_a_gb_camera_plays_and_is_steered_from_the_room(
    hub: Hub, clients: list[ProtocolClient], tmp_path: Path
) -> None:
    # a hub with the SIP platform: the hub fixture's app is built already, so a new one
    from aiohttp.test_utils import TestServer

    from hub.app import HUB_CONFIG, build_app

    config = hub.app[HUB_CONFIG]
    config.gb28181.enabled, config.gb28181.sip_port = True, free_port()
    config.gb28181.password = "12345678"
    config.server.data_dir = tmp_path / "gb-hub"
    app = build_app(config)
    server = TestServer(app)
    await server.start_server()
    gb_hub = Hub(app=app, server=server)
    device_id, channel = "34020000001320000001", "34020000001320000002"
    device = None
    try:
        gb = app[GB_SERVICE]
        assert gb is not None
        async with app[DATABASE].transaction() as s:
            demo = await seed_demo_city(s)
            room = await case_room(s, demo, "east-1")
            admin = demo.users["city-admin"]
            boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
            await cameras.do_bind_gb_device(
                s, boss, app[CAMERA_BOX], organisation=demo.orgs["east"], device_id=device_id,
                name="小区 NVR", password=None,
            )  # fmt: skip
            camera = await cameras.do_create_camera(
                s, boss, app[CAMERA_BOX], organisation=demo.orgs["east-1"], name="小区东门",
                gb_device_id=device_id, gb_channel_id=channel,
            )  # fmt: skip
        gb.bound(device_id, None)  # as the REST bind does after its commit
        catalog = asyncio.get_running_loop().create_future()
        gb.registry.observer.on("catalog", lambda *_: catalog.done() or catalog.set_result(True))
        scenario = DeviceScenario(
            channels=[Channel(channel, "小区东门")], keepalives=200, keepalive_ms=300
        )
        device = SippDevice(scenario, gb.platform.port, tmp_path / "device").start()
        await asyncio.wait_for(catalog, 20)
        mediator = await _connected(
            gb_hub, clients, await staff_token(app, demo.users["mediator-east"])
        )
        await mediator.join(room=room.id)
        assert (await mediator.request("camera-attach", {"cameraId": camera.id}))["ok"]
        added = await mediator.wait_event("producer-added", lambda p: p["source"] == "cctv", 20)
        await mediator.negotiate()
        assert await mediator.frames_from(added["id"], at_least=10, limit=20) >= 10
        moved = await mediator.request("camera-ptz", {"cameraId": camera.id, "pan": 1, "speed": 64})
        assert moved["ok"], moved
        assert (await mediator.request("camera-ptz", {"cameraId": camera.id}))["ok"]  # stop
        log = await asyncio.to_thread(device.wait_log, "PTZ=A50F0100000000B5")
        assert "PTZ=A50F01" in log
        bad = await mediator.request("camera-ptz", {"cameraId": camera.id, "pan": 7})
        assert bad["error"]["code"] == "bad_request"
    finally:
        if device is not None:
            device.kill()
        await server.close()


async def test_h265_cameras_are_transcoded_for_browsers_up_to_the_cap(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    import av

    from rooms.models import Camera

    hub.app[CAMERA_SETTINGS].h265_transcode_max = 1
    hub.app[LIVE_CAMERAS].max_transcodes = 1
    with RtspCamera(codec="h265", gop=25) as first, RtspCamera(codec="h265", gop=25) as second:
        demo, (room,), camera_id = await city(hub, first.url())
        async with hub.app[DATABASE].transaction() as s:
            other = Camera(
                id="c" * 32, organisation_id=demo.orgs["east-1"].id, name="西门", source="rtsp",
                rtsp_url=second.url(), created_by="test",
            )  # fmt: skip
            s.add(other)
        mediator = await _connected(
            hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
        )
        await mediator.join(room=room.id)
        assert (await mediator.request("camera-attach", {"cameraId": camera_id}))["ok"]
        added = await mediator.wait_event("producer-added", lambda p: p["source"] == "cctv", 20)
        assert added["codec"] == "video/H264"
        await mediator.negotiate()
        await mediator.frames_from(added["id"], at_least=30, limit=30)
        mids = [m for m, p in mediator.mid_to_producer.items() if p == added["id"]]
        frames = [f for m in mids for f in mediator.received.frames[m]]
        assert {codec for _, _, codec in frames} == {"video/H264"}
        decoder = av.CodecContext.create("h264", "r")
        pictures = [p for _, data, _ in frames for p in decoder.decode(av.Packet(data))]
        assert len(pictures) >= 20 and (pictures[0].width, pictures[0].height) == (640, 360)
        live = hub.app[LIVE_CAMERAS].get(camera_id)
        assert live is not None and live.source.producer is not None
        assert live.source.producer.codec.mime_type == "video/H265"  # the original stays H.265
        assert live.transcoder is not None and live.transcoder.stats.frames_out >= 30

        # a second H.265 camera: over the cap, a clear state instead of a picture
        assert (await mediator.request("camera-attach", {"cameraId": other.id}))["ok"]
        refused = await mediator.wait_event(
            "camera-state",
            lambda e: e["cameraId"] == other.id and e["state"] == "unsupported_codec",
            20,
        )
        assert "H.265" in refused["message"] and refused["message"].startswith(
            "H.265 画面转码已达上限"
        )

        # evidence keeps the camera's own H.265
        shot = await mediator.request("camera-snapshot", {"cameraId": camera_id})
        assert shot["ok"], shot
        directory = recordings_dir(hub.app[SERVER].data_dir) / shot["evidence"]["evidenceId"]
        assert verify(directory).ok
        manifest = json.loads((directory / "manifest.json").read_text())
        assert manifest["tracks"]["t01"]["codec"] == "video/H265"
