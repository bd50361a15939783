"""Wall screen cost: hub CPU and downstream bandwidth of one screen of N rooms, and the
time from putting a room on a tile to its first frame on the screen.

A real hub (`mediation-hub serve`, its own process, SQLite) with N case rooms, each with
one light aiortc publisher (pre-encoded VP8, 30 fps, a keyframe every second and one on
request, as a browser's encoder answers PLI); one screen (python-socketio + aiortc, no
browser) showing all N rooms on a grid. We report:

- hub CPU (% of one core) while the N rooms only publish (baseline, same run), and
  while the screen also receives them; the screen's cost per tile; the ratio
- downstream bandwidth to the screen (encoded payload, Mbit/s)
- drag-to-first-frame: PUT a room on a tile -> the screen's first frame of it (p50,
  p95), against a participant joining the same room -> its first frame (same run)

Both in the same run: publishers with one layer (VP8 640x480), then with simulcast layers
(320x240 and 640x480, rid-based as a browser sends them; a grid tile asks for the lowest).

    python benchmarks/walls.py            # 16 rooms on 4x4; 3 CPU windows of 6 s; 20 drags
    python benchmarks/walls.py --smoke    # CI: 2 rooms on 2x2, one short window, 3 drags

Figures are medians over the runs; the machine is shared and noisy. A CPU figure whose
marginal CPU is too small to measure (under 0.2 CPU-seconds over its windows) says "not
enough signal", not a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relay import MIN_SIGNAL_CPU_S  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Hub:
    def __init__(self, data: Path) -> None:
        from tests.services import free_port, wait_for_port

        self.data = data
        self.port = free_port()
        self.log = open(data / "server.log", "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub.cli",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(data),
                "--ice-address",
                "127.0.0.1",
                "--no-ice-discover",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            # its publishers are parties and nobody admits them: no waiting room here
            env={**os.environ, "PYTHONUNBUFFERED": "1", "MEDIATION_HUB_WAITING_ROOM": "0"},
        )
        wait_for_port(self.port, limit=30)
        self.url = f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", *args, "--data-dir", str(self.data)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


async def run(
    rooms: int, layout: str, windows: int, window_s: float, drags: int, layered: bool
) -> dict[str, Any]:
    import aiohttp

    from benchmarks._clients import LightPublisher
    from command_center.screen_credentials import screen_token
    from rooms.demo import DEMO_PASSWORD
    from tests.media.fixtures import encoded_video
    from tests.signaling.client import ProtocolClient
    from tests.signaling.wall_client import WallClient

    class PublishOnly(ProtocolClient):
        light: LightPublisher | None = None

        async def negotiate(self) -> None:
            return None

        async def publish_light(self, light: LightPublisher) -> dict[str, Any]:
            self.light = light
            ack = await self.request("publish", {"sdp": await light.offer()})
            assert ack["ok"], ack
            await light.answer(ack["sdp"])
            return ack

        async def close(self) -> None:
            if self.light is not None:
                await self.light.close()
            await super().close()

    high = encoded_video("libvpx", count=90, width=640, height=480, bitrate=600_000)
    low = encoded_video("libvpx", count=90, width=320, height=240, bitrate=150_000)

    data = Path(tempfile.mkdtemp(prefix="walls-bench-"))
    hub = Hub(data)
    clients: list[ProtocolClient] = []
    results: dict[str, Any] = {"rooms": rooms, "layout": layout, "layered": layered}
    try:
        hub.cli("seed-demo")
        async with aiohttp.ClientSession() as http:

            async def call(token: str, method: str, path: str, body: Any = None) -> Any:
                async with http.request(
                    method,
                    f"{hub.url}/api/v1{path}",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"} if token else {},
                ) as response:
                    payload = await response.json()
                    assert response.status < 300, payload
                    return payload

            async def login(user: str) -> str:
                answer = await call(
                    "", "POST", "/login", {"username": user, "password": DEMO_PASSWORD}
                )
                return str(answer["token"])

            mediator, command = await login("mediator-east"), await login("command")
            orgs = {o["code"]: o["id"] for o in await call(mediator, "GET", "/organisations")}
            made = []
            for i in range(rooms + 1):  # one more: the drags' room
                case = await call(
                    mediator,
                    "POST",
                    "/cases",
                    {
                        "organisationId": orgs["330101001"],
                        "type": "邻里纠纷",
                        "title": f"压测 {i + 1}",
                        "severity": "green",
                        "parties": [],
                    },
                )
                made.append(await call(mediator, "POST", f"/cases/{case['id']}/rooms"))

            async def invite(room: dict[str, Any], name: str) -> str:
                answer = await call(
                    mediator,
                    "POST",
                    f"/rooms/{room['id']}/invitations",
                    {"name": name, "role": "party"},
                )
                return str(answer["url"]).split("/join/")[1]

            producers: list[str] = []
            for i, room in enumerate(made):
                client = PublishOnly(hub.url, await invite(room, f"甲{i}"))
                clients.append(client)
                await client.connect()
                await client.join()
                light = LightPublisher(high, layers=[("l", low), ("f", high)] if layered else None)
                ack = await client.publish_light(light)
                producers.append(str(ack["producers"][0]["id"]))
            await asyncio.sleep(2)

            async def cpu_window() -> float:
                before, started = hub.cpu_seconds(), time.monotonic()
                await asyncio.sleep(window_s)
                return (hub.cpu_seconds() - before) / (time.monotonic() - started) * 100

            baseline = [await cpu_window() for _ in range(windows)]

            wall = await call(
                command, "POST", "/walls", {"name": "压测墙", "screens": 1, "layout": layout}
            )
            for tile, room in enumerate(made[:rooms], start=1):
                await call(
                    command,
                    "PUT",
                    f"/walls/{wall['id']}/screens/1/tiles/{tile}",
                    {"kind": "room", "roomId": room["id"]},
                )
            secret = wall["screens"][0]["url"].split("#key=")[1]
            screen = WallClient(hub.url, screen_token(wall["id"], 1, secret))
            clients.append(screen)
            await screen.connect()
            await screen.sync()
            missing = []
            for producer in producers[:rooms]:
                try:
                    await screen.frames_from(producer, at_least=5, limit=30)
                except TimeoutError:
                    missing.append(producer)
            if missing:
                shown = [
                    p for t in screen.state["tiles"] for p in screen.shown_producers(t["tile"])
                ]
                print(
                    f"no frames from {len(missing)} producer(s); shown {len(shown)},"
                    f" mapped {len(set(screen.mid_to_producer.values()))}",
                    file=sys.stderr,
                )
            results["tiles_playing"] = rooms - len(missing)

            def received_bytes() -> int:
                return sum(len(f[1]) for frames in screen.received.frames.values() for f in frames)

            watched, mbps = [], []
            for _ in range(windows):
                before_bytes, started = received_bytes(), time.monotonic()
                watched.append(await cpu_window())
                mbps.append(
                    (received_bytes() - before_bytes) * 8 / (time.monotonic() - started) / 1e6
                )

            # drags: the extra room onto tile 1 (cleared in between), to its first frame
            extra, extra_producer = made[rooms], producers[rooms]
            tile = f"/walls/{wall['id']}/screens/1/tiles/1"
            drag_s: list[float] = []
            lost = 0
            for _ in range(drags):
                await call(command, "DELETE", tile)
                while screen.tile(1).get("shown"):  # until the screen has seen the clear
                    screen.changed.clear()
                    await asyncio.wait_for(screen.changed.wait(), 10)
                have = await screen.frames_from(extra_producer, at_least=0)
                started = time.monotonic()
                await call(command, "PUT", tile, {"kind": "room", "roomId": extra["id"]})
                try:
                    await screen.frames_from(extra_producer, at_least=have + 1, limit=20)
                except TimeoutError:
                    lost += 1
                    continue
                drag_s.append(time.monotonic() - started)
            join_s = []
            for i in range(max(3, drags // 2)):
                viewer = ProtocolClient(hub.url, await invite(extra, f"观{i}"))
                clients.append(viewer)
                await viewer.connect()
                started = time.monotonic()
                await viewer.join()
                await viewer.negotiate()
                await viewer.frames_from(extra_producer, at_least=1, limit=20)
                join_s.append(time.monotonic() - started)
                await viewer.close()
        results.update(
            baseline_cpu=statistics.median(baseline),
            screen_cpu=statistics.median(watched),
            mbps=statistics.median(mbps),
            drag_p50=percentile(drag_s, 0.5),
            drag_p95=percentile(drag_s, 0.95),
            join_p50=percentile(join_s, 0.5),
            join_p95=percentile(join_s, 0.95),
            drags_lost=lost,
            load=os.getloadavg()[0],
        )
    finally:
        for client in clients:
            await client.close()
        hub.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--rooms", type=int, default=16)
    parser.add_argument("--layout", default="4x4")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--window", type=float, default=6.0)
    parser.add_argument("--drags", type=int, default=20)
    args = parser.parse_args()
    if args.smoke:
        args.rooms, args.layout, args.windows, args.window, args.drags = 2, "2x2", 1, 2.0, 3
    rows = [
        asyncio.run(run(args.rooms, args.layout, args.windows, args.window, args.drags, layered))
        for layered in (False, True)
    ]
    print(
        f"\nwall benchmark: one {args.layout} screen of {args.rooms} rooms, one publisher each"
        f" (VP8 640x480 ~0.6 Mbit/s; with layers also 320x240 ~0.15 Mbit/s, the tiles asking"
        f" for the lowest); medians of {args.windows} window(s) of {args.window:.0f} s"
    )

    def measurable(r: dict[str, Any]) -> bool:
        """The screen's marginal CPU is above what psutil's 10 ms ticks resolve."""
        seconds = args.window * args.windows
        return (r["screen_cpu"] - r["baseline_cpu"]) / 100 * seconds >= MIN_SIGNAL_CPU_S

    for r in rows:
        per_tile = (r["screen_cpu"] - r["baseline_cpu"]) / max(1, r["rooms"])
        print(f"\n{'with low layers' if r['layered'] else 'one layer'} (load {r['load']:.1f}):")
        print(f"  hub CPU, rooms publishing only (baseline): {r['baseline_cpu']:6.1f} % of a core")
        print(f"  hub CPU, and the screen receiving them:    {r['screen_cpu']:6.1f} % of a core")
        if measurable(r):
            print(f"  the screen's cost: {per_tile:.2f} % of a core per tile")
            ratio = r["screen_cpu"] / max(r["baseline_cpu"], 0.1)
            print(f"  ratio screen+rooms / rooms only: {ratio:.2f}x")
        else:
            print("  the screen's cost: not enough signal (run without --smoke)")
        print(f"  tiles playing: {r['tiles_playing']} of {r['rooms']}")
        print(f"  downstream to the screen: {r['mbps']:.2f} Mbit/s")
        print(
            f"  drag to first frame: p50 {r['drag_p50'] * 1000:.0f} ms,"
            f" p95 {r['drag_p95'] * 1000:.0f} ms ({args.drags} drags, {r['drags_lost']} without"
            f" a frame in 20 s); a participant joining the same room: p50"
            f" {r['join_p50'] * 1000:.0f} ms, p95 {r['join_p95'] * 1000:.0f} ms;"
            f" ratio p50 {r['drag_p50'] / max(r['join_p50'], 0.001):.2f}x"
        )
    one, layered = rows
    if min(one["mbps"], layered["mbps"]) > 0:
        cost = [r["screen_cpu"] - r["baseline_cpu"] for r in rows]
        cpu = (
            f"{cost[1] / cost[0]:.2f}x"
            if measurable(one) and measurable(layered)
            else "not enough signal"
        )
        print(
            f"\nwith low layers / one layer: downstream {layered['mbps'] / one['mbps']:.2f}x,"
            f" the screen's CPU {cpu}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
