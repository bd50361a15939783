"""The camera registry over REST, with real cameras: credentials go in and never come
out (responses, logs), state follows a real RTSP camera (GStreamer) and is stored,
and the GB/T 28181 platform started by the hub takes a SIPp device bound over REST
and shows its catalogue as a tree under its organisation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import build_app
from hub.config import Config
from rooms.cameras import camera_spec
from rooms.demo import DEMO_PASSWORD, seed_demo_city
from rooms.models import Camera
from signaling.keys import CAMERA_BOX, DATABASE, GB_SERVICE, LIVE_CAMERAS
from tests.media.camera_helpers import StateLog
from tests.services import free_port
from tests.signaling.conftest import Town
from tests.simulators.rtsp import RtspCamera
from tests.simulators.sipp import Channel, DeviceScenario, SippDevice

SECRET = "Xue1iang-secret!"


async def test_credentials_go_in_and_never_come_out(town: Town) -> None:
    status, camera = await town.call(
        "city-admin",
        "POST",
        "/api/v1/cameras",
        json={
            "organisationId": town.orgs["east-1"],
            "name": "菜市场东门",
            "location": "东门入口",
            "rtspUrl": f"rtsp://admin:{SECRET}@10.1.2.3:554/Streaming/Channels/101",
        },
    )
    assert status == 201, camera
    assert camera["rtspUrl"] == "rtsp://10.1.2.3:554/Streaming/Channels/101"
    assert camera["hasCredentials"] is True and camera["tileName"] == "监控 · 菜市场东门"
    assert camera["state"] == "idle"
    for who in ("city-admin", "mediator-east"):
        response = await town.client.get("/api/v1/cameras", headers=town.headers[who])
        listing = await response.text()
        assert camera["id"] in listing and SECRET not in listing and "admin:" not in listing
    status, changed = await town.call(
        "city-admin",
        "PATCH",
        f"/api/v1/cameras/{camera['id']}",
        json={"name": "东门 2", "password": "another-secret"},
    )
    assert status == 200 and changed["name"] == "东门 2" and "another-secret" not in str(changed)
    # the mediator may not change the registry, nor see the reviewer's nothing
    status, refused = await town.call(
        "mediator-east", "PATCH", f"/api/v1/cameras/{camera['id']}", json={"name": "x"}
    )
    assert status == 403 and refused["error"]["code"] == "forbidden"
    for body in ({"name": 5}, {}, {"rtspUrl": "file:///etc/passwd"}):
        status, error = await town.call(
            "city-admin", "PATCH", f"/api/v1/cameras/{camera['id']}", json=body
        )
        assert status == 400 and set(error["error"]) == {"code", "message"}, body
    status, error = await town.call(
        "city-admin",
        "POST",
        "/api/v1/cameras",
        json={"organisationId": town.orgs["east"], "name": "x", "rtspUrl": "http://x/y"},
    )
    assert status == 400 and error["error"]["code"] == "bad_url"
    status, _ = await town.call("city-admin", "DELETE", f"/api/v1/cameras/{camera['id']}")
    assert status == 200
    status, gone = await town.call("city-admin", "GET", f"/api/v1/cameras/{camera['id']}")
    assert status == 404 and gone["error"]["code"] == "camera_not_found"


async def _admin_client(
    aiohttp_client: Callable[..., Any], config: Config
) -> tuple[TestClient, dict[str, str], Any]:
    app = build_app(config)
    client: TestClient = await aiohttp_client(app)
    async with app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
    response = await client.post(
        "/api/v1/login", json={"username": "city-admin", "password": DEMO_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
    return client, headers, demo


async def stored(app: Any, camera_id: str, until: Callable[[Camera], bool]) -> Camera:
    """The stored row once `until` holds (states are written after each change)."""
    deadline = time.monotonic() + 10
    while True:
        async with app[DATABASE].session() as s:
            row = await s.get(Camera, camera_id)
        assert row is not None
        if until(row) or time.monotonic() > deadline:
            return row
        await asyncio.sleep(0.05)  # polling the database: no event tells us it was written


async def test_state_follows_a_real_camera_and_is_stored(
    aiohttp_client: Callable[..., Any], hub_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub_config.cameras.linger_s = 0.0
    client, headers, demo = await _admin_client(aiohttp_client, hub_config)
    app = client.server.app
    with RtspCamera(auth="digest", password=SECRET) as sim:
        good = await client.post(
            "/api/v1/cameras",
            headers=headers,
            json={"organisationId": demo.orgs["east"].id, "name": "东门", "rtspUrl": sim.url()},
        )
        wrong = await client.post(
            "/api/v1/cameras",
            headers=headers,
            json={
                "organisationId": demo.orgs["east"].id,
                "name": "西门",
                "rtspUrl": sim.url().replace(f":{SECRET}@", "@"),
                "username": "admin",
                "password": "wrong-" + SECRET,
            },
        )
        good_id, wrong_id = (await good.json())["id"], (await wrong.json())["id"]
        live = app[LIVE_CAMERAS]
        watches = []
        for camera_id in (good_id, wrong_id):
            async with app[DATABASE].session() as s:
                row = await s.get(Camera, camera_id)
                assert row is not None
                spec = camera_spec(row, app[CAMERA_BOX])
            log = StateLog(live.open(spec).source)
            watches.append(live.watch(spec, app_data={"test": True}))
            await log.wait_for("online" if camera_id == good_id else "auth_failed")
        state = await (await client.get(f"/api/v1/cameras/{good_id}/state", headers=headers)).json()
        assert state["state"] == "online" and state["lastFrameAt"] and state["watchers"] == 1
        refused = await (
            await client.get(f"/api/v1/cameras/{wrong_id}/state", headers=headers)
        ).json()
        assert refused["state"] == "auth_failed"
        assert refused["message"].startswith("摄像机用户名或密码错误；camera rejected")
        row = await stored(app, good_id, lambda r: r.state == "online")
        assert row.state == "online" and row.last_frame_at is not None
        assert (await stored(app, wrong_id, lambda r: r.state == "auth_failed")).state_detail
        for watch in watches:
            watch.close()
        await stored(app, good_id, lambda r: r.state == "idle")
        listing = await (await client.get("/api/v1/cameras", headers=headers)).json()
        assert {c["id"]: c["state"] for c in listing} == {good_id: "idle", wrong_id: "auth_failed"}
        assert next(c for c in listing if c["id"] == good_id)["lastFrameAt"]
    assert caplog.records, "the pull logged nothing at all: the check below would prove nothing"
    assert not [r for r in caplog.records if SECRET in r.getMessage()]


async def test_gb_platform_started_by_the_hub_shows_a_bound_device_as_a_tree(
    aiohttp_client: Callable[..., Any], hub_config: Config, tmp_path: Path
) -> None:
    hub_config.gb28181.enabled, hub_config.gb28181.sip_port = True, free_port()
    client, headers, demo = await _admin_client(aiohttp_client, hub_config)
    app = client.server.app
    gb = app[GB_SERVICE]
    assert gb is not None and gb.platform.port == hub_config.gb28181.sip_port
    nvr, area, camera = "34020000001180000001", "34020000002150000001", "34020000001320000001"
    scenario = DeviceScenario(
        device_id=nvr,
        password="nvr-pass",
        channels=[
            Channel(area, "东城街道", nvr),
            Channel(camera, "菜市场东门", area),
            Channel("34020000001320000002", "菜市场西门", area, status="OFF"),
        ],
        keepalives=40,
        keepalive_ms=300,
    )
    # unknown: held for approval
    first = SippDevice(
        DeviceScenario(device_id=nvr, password="nvr-pass", expect_register="403"),
        gb.platform.port,
        tmp_path / "first",
    ).start()
    try:
        assert await asyncio.to_thread(first.wait_exit) == 0, first.errors()
    finally:
        first.kill()
    listing = await (await client.get("/api/v1/gb-devices", headers=headers)).json()
    assert listing["platform"]["sipPort"] == gb.platform.port
    assert [p["deviceId"] for p in listing["pending"]] == [nvr]
    bound = await client.post(
        "/api/v1/gb-devices",
        headers=headers,
        json={
            "organisationId": demo.orgs["east"].id,
            "deviceId": nvr,
            "name": "东城 NVR",
            "password": "nvr-pass",
        },
    )
    assert bound.status == 201, await bound.text()
    catalog = asyncio.get_running_loop().create_future()
    gb.registry.observer.on(
        "catalog", lambda device, channels: catalog.done() or catalog.set_result(len(channels))
    )
    device = SippDevice(scenario, gb.platform.port, tmp_path / "device").start()
    try:
        assert await asyncio.wait_for(catalog, 20) == 3
        listing = await (await client.get("/api/v1/gb-devices", headers=headers)).json()
        (entry,) = listing["devices"]
        assert entry["deviceId"] == nvr and entry["live"]["channels"] == 3
        assert entry["live"]["state"] in ("registered", "online")
        assert listing["pending"] == []
        top = await (await client.get(f"/api/v1/gb-devices/{nvr}/channels", headers=headers)).json()
        assert [(n["channelId"], n["kind"], n["hasChildren"]) for n in top["nodes"]] == [
            (area, "group", True)
        ]
        below = await (
            await client.get(f"/api/v1/gb-devices/{nvr}/channels?parent={area}", headers=headers)
        ).json()
        assert {n["name"]: n["online"] for n in below["nodes"]} == {
            "菜市场东门": True,
            "菜市场西门": False,
        }
        # a channel becomes a camera of the registry
        made = await client.post(
            "/api/v1/cameras",
            headers=headers,
            json={
                "organisationId": demo.orgs["east"].id,
                "name": "菜市场东门",
                "gbDeviceId": nvr,
                "gbChannelId": camera,
            },
        )
        assert made.status == 201
        below = await (
            await client.get(f"/api/v1/gb-devices/{nvr}/channels?parent={area}", headers=headers)
        ).json()
        assert {n["name"]: bool(n["cameraId"]) for n in below["nodes"]}["菜市场东门"]
    finally:
        device.kill()
