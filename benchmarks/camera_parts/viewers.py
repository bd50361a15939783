"""Cameras forwarded to WebRTC viewers (a part of benchmarks/cameras.py).

A hub-side process pulls N RTSP cameras through the product's own path
(rooms.live_cameras: LiveCameras with RtspSource, a CameraFeed per camera into
a LiveRoom of its own) and serves, per camera, one viewer: a participant whose
PeerTransport consumes the camera's room producer. A second process holds the N
viewers (aiortc peers that count frames, never decode). We measure the hub
process's CPU per camera over a window; the baseline in the same run is the same
hub process with the same N cameras and no viewer (ingest and pipes only).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class _Quiet:
    """A LiveRoom Notifier that tells nobody (no sockets in a benchmark)."""

    def to_participant(self, participant_id: str, event: str, payload: dict[str, Any]) -> None:
        pass

    def to_room(
        self, room_id: str, event: str, payload: dict[str, Any], *, skip: str | None = None
    ) -> None:
        pass

    async def dismiss(
        self, room_id: str, participant_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        pass


async def run_server(url: str, count: int) -> None:
    """Hub side: N cameras, each in a room of its own; viewers come over HTTP."""
    import psutil
    from aiohttp import web

    from media.ice import announce_host_addresses
    from media.rtsp_source import RtspOptions, RtspSource
    from media.transport import RouterOptions
    from rooms.cameras import CameraSpec
    from rooms.credentials import Credentials
    from rooms.live_cameras import LiveCameras
    from rooms.live_room import LiveRooms, RoomFacts
    from rooms.settings import RoomsSettings

    announce_host_addresses(["127.0.0.1"], discover=False)

    def factory(spec: CameraSpec, transport: Any, app_data: dict[str, Any]) -> RtspSource:
        assert spec.rtsp_url
        return RtspSource(
            spec.rtsp_url, transport, options=RtspOptions(probe_s=0.15), app_data=app_data
        )

    cameras = LiveCameras(factory, options=RouterOptions(consumer_queue_frames=128))
    rooms = LiveRooms(
        RoomsSettings(empty_timeout_s=3600),
        RouterOptions(),
        _Quiet(),
        counters=cameras.router.counters,
    )
    feeds, viewers = [], {}
    for i in range(count):
        room = await rooms.open(RoomFacts(f"room-{i}", f"room {i}"))
        spec = CameraSpec(f"cam{i}", f"camera {i}", "rtsp", url, "tcp", None, None, Credentials())
        feeds.append(cameras.attach(room, spec))
    proc = psutil.Process()

    async def subscribe(request: web.Request) -> web.Response:
        i = len(viewers)
        room = rooms.get(f"room-{i}")
        assert room is not None
        participant, _ = await room.join(subject=f"viewer-{i}", name=f"v{i}", role="mediator")
        viewers[i] = participant
        offer, _ = await room.subscribe(participant)
        return web.json_response({"id": i, "sdp": offer})

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        room = rooms.get(f"room-{body['id']}")
        assert room is not None
        await room.subscribe_answer(viewers[body["id"]], body["sdp"])
        return web.json_response({})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "cpu": sum(proc.cpu_times()[:2]),
                "rss": proc.memory_info().rss,
                "online": sum(f.producer is not None for f in feeds),
                "frames": sum(
                    c.source.stats.frames
                    for c in (cameras.get(f"cam{i}") for i in range(count))
                    if c
                ),
            }
        )

    app = web.Application()
    app.router.add_post("/subscribe", subscribe)
    app.router.add_post("/answer", answer)
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"port": port}), flush=True)
    await asyncio.Event().wait()


async def run_viewers(url: str, count: int) -> None:
    import aiohttp
    from aiortc import RTCPeerConnection, RTCSessionDescription

    from media import _aiortc_taps as taps
    from media.ice import announce_host_addresses

    announce_host_addresses(["127.0.0.1"], discover=False)
    received = [0] * count
    pcs = []
    async with aiohttp.ClientSession() as http:
        for _ in range(count):
            pc = RTCPeerConnection()
            pcs.append(pc)
            async with http.post(url + "/subscribe", json={}) as r:
                offer = await r.json()
            i = offer["id"]

            def on_track(track: Any, i: int = i, pc: Any = pc) -> None:
                def count_frame(codec: Any, frame: Any) -> None:
                    received[i] += 1

                for t in pc.getTransceivers():
                    if t.receiver.track is track:
                        taps.tap_receiver(t.receiver, count_frame)  # count, never decode

            pc.on("track", on_track)
            await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            async with http.post(url + "/answer", json={"id": i, "sdp": pc.localDescription.sdp}):
                pass
    print(json.dumps({"viewers": count}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(
        signal.SIGUSR1, lambda: print(json.dumps({"received": received}), flush=True)
    )
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


# -- orchestration -------------------------------------------------------------------------
def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, script, *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _line(proc: subprocess.Popen[str], timeout: float = 90) -> dict[str, Any]:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("{"):
            data: dict[str, Any] = json.loads(line)
            return data
        if not line and proc.poll() is not None:
            break
    raise RuntimeError(f"process {proc.args} said nothing useful")


def _stats(url: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(url + "/stats", timeout=10) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def measure(script: str, camera_url: str, n: int, window: float, viewers: bool) -> dict[str, Any]:
    """One run: the hub process's CPU over `window` with N cameras (and N viewers)."""
    procs: list[subprocess.Popen[str]] = []
    try:
        server = _spawn(script, "--role", "viewers-hub", "--url", camera_url, "--count", str(n))
        procs.append(server)
        url = f"http://127.0.0.1:{_line(server)['port']}"
        deadline = time.monotonic() + 60 + 2 * n  # a loaded machine: retries back off
        while _stats(url)["online"] < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {_stats(url)['online']} of {n} cameras came online")
            time.sleep(0.2)
        client = None
        if viewers:
            client = _spawn(script, "--role", "viewers", "--url", url, "--count", str(n))
            procs.append(client)
            _line(client)
            time.sleep(3.0)  # every viewer connected and past its first keyframe
            client.send_signal(signal.SIGUSR1)
            first = _line(client)["received"]
        else:
            time.sleep(3.0)
        before, start = _stats(url), time.monotonic()
        time.sleep(window)  # the measurement window
        after, elapsed = _stats(url), time.monotonic() - start
        fps: list[float] = []
        if client is not None:
            client.send_signal(signal.SIGUSR1)
            last = _line(client)["received"]
            fps = [(b - a) / elapsed for a, b in zip(first, last, strict=True)]
        return {
            "cpu_s": after["cpu"] - before["cpu"],
            "elapsed": elapsed,
            "fps": fps,
            "rss_mb": after["rss"] / 2**20,
        }
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()
