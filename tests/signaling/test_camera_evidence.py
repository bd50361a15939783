"""Evidence from a real camera in a case room: a snapshot and a clip with pre-roll
taken from the room socket (and over REST), listed with the case, sealed and
verifiable offline, every capture audited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiohttp
import av
import pytest
from sqlalchemy import select

from recorder.store import recordings_dir
from recorder.verify import verify
from rooms.models import AuditEntry
from signaling.keys import DATABASE, LIVE_CAMERAS, RECORDINGS, SERVER
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, staff_token
from tests.signaling.test_room_cameras import city
from tests.signaling.test_room_namespace import _connected
from tests.simulators.rtsp import RtspCamera


@pytest.fixture
def camera_sim() -> Iterator[RtspCamera]:
    with RtspCamera(gop=25) as sim:  # a keyframe a second
        yield sim


async def test_snapshot_and_clip_with_preroll(
    hub: Hub, clients: list[ProtocolClient], camera_sim: RtspCamera
) -> None:
    hub.app[RECORDINGS].settings.segment_duration_s = 2.0
    demo, (room,), camera_id = await city(hub, camera_sim.url())
    token = await staff_token(hub.app, demo.users["mediator-east"])
    mediator = await _connected(hub, clients, token)
    await mediator.join(room=room.id)
    refused = await mediator.request("camera-snapshot", {"cameraId": camera_id})
    assert refused["error"]["code"] == "not_attached"
    assert (await mediator.request("camera-attach", {"cameraId": camera_id}))["ok"]
    added = await mediator.wait_event("producer-added", lambda p: p["source"] == "cctv", 20)
    await mediator.negotiate()
    await mediator.frames_from(added["id"], at_least=100, limit=30)  # 4 s of video kept

    shot = await mediator.request("camera-snapshot", {"cameraId": camera_id})
    assert shot["ok"], shot
    snapshot = shot["evidence"]
    assert snapshot["kind"] == "snapshot" and snapshot["picture"]["width"] == 640
    root = recordings_dir(hub.app[SERVER].data_dir)
    report = verify(root / snapshot["evidenceId"])
    assert report.ok, report.text()
    with av.open(str(root / snapshot["evidenceId"] / "t01-00002.jpg")) as jpeg:
        assert next(jpeg.decode(video=0)).height == 360

    buffer = hub.app[LIVE_CAMERAS].get(camera_id).buffer
    assert buffer is not None and buffer.duration_s >= 2.5
    started = await mediator.request("camera-clip-start", {"cameraId": camera_id})
    assert started["ok"], started
    assert started["evidence"]["prerollS"] >= 2.5
    twice = await mediator.request("camera-clip-start", {"cameraId": camera_id})
    assert twice["error"]["code"] == "clip_running"
    await mediator.frames_from(added["id"], at_least=250, limit=30)  # a few seconds live
    stopped = await mediator.request("camera-clip-stop", {"cameraId": camera_id})
    assert stopped["ok"], stopped
    clip_id = stopped["evidence"]["evidenceId"]
    assert clip_id == started["evidence"]["evidenceId"]
    directory = root / clip_id
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    frames = sum(s["frames"] for s in manifest["segments"])
    duration = sum(s["duration"] for s in manifest["segments"])
    assert frames == stopped["evidence"]["frames"] and duration >= 5.0, (frames, duration)
    assert manifest["evidence"]["preroll_s"] >= 2.5
    assert manifest["evidence"]["camera_source"] == camera_sim.url()
    assert manifest["case"]["id"] == room.case_id

    # listed with the case, beside recordings
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        url = f"{hub.url.rstrip('/')}/api/v1/recordings?caseId={room.case_id}"
        async with http.get(url, headers=headers) as r:
            listed = {e["id"]: e for e in await r.json()}
        assert listed[snapshot["evidenceId"]]["kind"] == "snapshot"
        assert listed[clip_id]["kind"] == "clip" and listed[clip_id]["camera"] == "菜市场东门"
        # over REST too, with the clip stopped when the camera leaves the room
        base = f"{hub.url.rstrip('/')}/api/v1/rooms/{room.id}/cameras/{camera_id}"
        async with http.post(f"{base}/snapshot", headers=headers) as r:
            assert r.status == 201, await r.text()
        async with http.post(f"{base}/clip", headers=headers) as r:
            rest_clip = (await r.json())["evidenceId"]
            assert r.status == 201
        async with http.delete(base, headers=headers) as r:
            assert r.status == 200
    report = verify(root / rest_clip)
    assert report.ok, report.text()
    async with hub.app[DATABASE].session() as s:
        actions = [
            a
            for a in (await s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))).scalars()
            if a.startswith("evidence.")
        ]
    assert actions == [
        "evidence.snapshot", "evidence.clip.start", "evidence.clip.stop",
        "evidence.snapshot", "evidence.clip.start", "evidence.clip.stop",
    ]  # fmt: skip
    await asyncio.sleep(0)
