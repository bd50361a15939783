"""A login flood must not stall live video (issue 9): a real hub process forwards
a 30 fps stream from one aiortc peer to another while 8 clients send wrong
passwords for 10 s. /healthz stays fast (p90 < 50 ms), the subscriber keeps
>= 28 fps, and the flood is answered with 429s.

Run alone to see the figures: pytest tests/signaling/test_login_flood.py -s
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.media.fixtures import FPS, PacketTrack, encoded_video
from tests.services import free_port, wait_for_port
from tests.signaling.client import ProtocolClient

ROOT = Path(__file__).resolve().parents[2]
FLOOD_S = 10.0
ATTACKERS = 8


@dataclass
class HubProcess:
    url: str
    port: int
    data_dir: Path

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout

    def invitation_token(self, room: str, name: str) -> str:
        url = self.cli("invite", "--room", room, "--name", name, "--base-url", self.url)
        return url.strip().splitlines()[0].rsplit("/", 1)[1]


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    """The hub in a process of its own, as deployed: its event loop is its own."""
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "hub.cli", "serve", "--port", str(port)),
                *("--data-dir", str(data), "--ice-address", "127.0.0.1", "--no-ice-discover"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            wait_for_port(port, limit=30)
            hub = HubProcess(f"http://127.0.0.1:{port}", port, data)
            hub.cli("seed-demo")
            yield hub
        finally:
            proc.terminate()
            proc.wait(20)


class HealthProbe(threading.Thread):
    """GET /healthz every 50 ms from a thread of its own (so that the test's own
    event loop, busy with both peers and the flood, doesn't count)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.latencies: list[float] = []
        self.running = threading.Event()
        self.running.set()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while self.running.is_set():
            started = time.perf_counter()
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            self.latencies.append(time.perf_counter() - started)
            assert response.status == 200
            time.sleep(0.05)
        conn.close()


async def _flood(url: str, until: float, statuses: Counter[int], codes: Counter[str]) -> None:
    async with aiohttp.ClientSession() as http:
        i = 0
        while time.monotonic() < until:
            i += 1
            # a known account and guessed ones, as a password sprayer would
            username = "mediator-east" if i % 2 else f"user{i}"
            async with http.post(
                f"{url}/api/v1/login", json={"username": username, "password": f"guess-{i}"}
            ) as response:
                statuses[response.status] += 1
                if response.status >= 400:
                    payload = await response.json()
                    codes[payload["error"]["code"]] += 1
                if response.status == 429:
                    assert int(response.headers["Retry-After"]) >= 1


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


async def test_a_login_flood_does_not_stall_forwarded_video(hub_process: HubProcess) -> None:
    publisher = ProtocolClient(hub_process.url, hub_process.invitation_token("洪水", "张三"))
    subscriber = ProtocolClient(hub_process.url, hub_process.invitation_token("洪水", "李四"))
    try:
        for client in (publisher, subscriber):
            await client.connect()
            assert (await client.join())["ok"]
        published = await publisher.publish([PacketTrack("video", encoded_video("libvpx"))])
        producer = published["producers"][0]["id"]
        await subscriber.wait_event("producer-added", lambda p: p["id"] == producer)
        await subscriber.negotiate()
        await subscriber.frames_from(producer, at_least=2 * FPS, limit=20)  # warmed up

        probe = HealthProbe(hub_process.port)
        probe.start()
        await asyncio.sleep(1.0)  # a quiet second: the baseline (pacing, not syncing)
        quiet = list(probe.latencies)
        statuses: Counter[int] = Counter()
        codes: Counter[str] = Counter()
        started = time.monotonic()
        await asyncio.gather(
            *(_flood(hub_process.url, started + FLOOD_S, statuses, codes) for _ in range(ATTACKERS))
        )
        ended = time.monotonic()
        probe.running.clear()
        probe.join(10)
        during = probe.latencies[len(quiet) :]

        (mid,) = [m for m, p in subscriber.mid_to_producer.items() if p == producer]
        arrived = [t for t, _, _ in subscriber.received.frames[mid] if started <= t < ended]
        fps = len(arrived) / (ended - started)
        gaps = [b - a for a, b in itertools.pairwise(arrived)]
        print(
            f"\nlogin flood {ended - started:.1f} s, {ATTACKERS} clients: "
            f"{sum(statuses.values())} requests {dict(statuses)} {dict(codes)}\n"
            f"/healthz quiet: median {statistics.median(quiet) * 1000:.1f} ms; during: "
            f"median {statistics.median(during) * 1000:.1f} ms, p90 {_p90(during) * 1000:.1f} ms, "
            f"max {max(during) * 1000:.1f} ms ({len(during)} probes)\n"
            f"video forwarded: {fps:.1f} fps, longest gap {max(gaps) * 1000:.0f} ms"
        )
        assert statuses[429] > 0 and codes["rate_limited"] > 0
        assert not [s for s in statuses if s >= 500], statuses
        assert _p90(during) < 0.050
        assert fps >= 28
    finally:
        await publisher.close()
        await subscriber.close()
