"""Hub CPU per mediation room: the figure a city sizes its nodes by.

M rooms of three participants. Each participant publishes Opus (20 ms packets)
and VP8 (640x480, ~0.5 Mbps, 30 fps, pre-encoded) and receives the other two:
per room 6 streams in, 12 out. Participants are synthetic aiortc clients in
separate processes (they count what they receive, never decode); the hub is
Routers and PeerTransports as the live room uses them, in its own process. For
every M: the hub's CPU over the window, marginal over the same hub with no room,
per room; packets per second in and out; frames per second each subscriber got;
the share of the hub's CPU spent in garbage collection, its longest pause in the
window and while the rooms joined.

    python benchmarks/rooms.py            # M = 5, 10, 20; 3 runs each
    python benchmarks/rooms.py --smoke    # CI: one room, one short run

Figures are medians over the runs; the machine is shared and noisy. The last
line is the number of three-person rooms one core carries (target: 35).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relay import MIN_SIGNAL_CPU_S, _line, _stats, interpreter  # noqa: E402
from hub.event_loop import KINDS  # noqa: E402
from signaling.gc_pauses import GcPauses, freeze_startup_objects  # noqa: E402

MIN_FPS = 27  # below this the clients could not keep up: no figure
PROCESSES = 4  # client processes
NOMINAL_PPS = 345  # packets in per room at full rate (measured with one room, idle machine)


# -- hub ---------------------------------------------------------------------------------
async def run_server() -> None:
    import psutil
    from aiohttp import web

    from media.ice import announce_host_addresses
    from media.router import Router

    announce_host_addresses(["127.0.0.1"], discover=False)
    routers: dict[str, Router] = {}
    transports: dict[str, Any] = {}
    proc = psutil.Process()
    pauses = GcPauses()
    pauses.start()
    freeze_startup_objects()  # as `serve` does

    async def join(request: web.Request) -> web.Response:
        body = await request.json()
        router = routers.setdefault(body["room"], Router())
        transport = router.create_peer_transport(app_data={"participant": body["pid"]})
        transports[body["pid"]] = transport
        return web.json_response({})

    async def publish(request: web.Request) -> web.Response:
        body = await request.json()
        answer = await transports[body["pid"]].publish(
            body["sdp"], app_data={"participant": body["pid"]}
        )
        return web.json_response({"sdp": answer})

    async def subscribe(request: web.Request) -> web.Response:
        body = await request.json()
        transport = transports[body["pid"]]
        router = routers[body["room"]]
        for producer in router.producers:
            if producer.app_data.get("participant") != body["pid"]:
                transport.consume(producer)
        return web.json_response({"sdp": await transport.subscribe_offer()})

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        await transports[body["pid"]].subscribe_answer(body["sdp"])
        return web.json_response({})

    async def stats(request: web.Request) -> web.Response:
        times = proc.cpu_times()
        counters = [r.counters for r in routers.values()]
        return web.json_response(
            {
                "cpu": times.user + times.system,
                "sys": times.system,
                "in": sum(c.received_packets for c in counters),
                "out": sum(c.forwarded_packets for c in counters),
                "rss": proc.memory_info().rss,
                "gc_s": sum(pauses.seconds),
                "gc_longest_s": pauses.take_longest(),
            }
        )

    from benchmarks._clients import serve_forever

    await serve_forever(
        [
            web.post("/join", join),
            web.post("/publish", publish),
            web.post("/subscribe", subscribe),
            web.post("/answer", answer),
            web.get("/stats", stats),
        ]
    )


# -- participants ------------------------------------------------------------------------
async def run_clients(url: str, rooms: list[str], publishers: str) -> None:
    import aiohttp

    from benchmarks._clients import LightPublisher, LightSubscriber
    from media.ice import announce_host_addresses
    from tests.media.fixtures import encoded_opus, encoded_video

    announce_host_addresses(["127.0.0.1"], discover=False)
    video = encoded_video("libvpx", count=150, width=640, height=480, bitrate=500_000)
    audio = encoded_opus(150)
    peers: list[Any] = []
    subscribers: list[LightSubscriber] = []
    async with aiohttp.ClientSession() as http:

        async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            async with http.post(url + path, json=body) as response:
                data: dict[str, Any] = await response.json()
                return data

        for room in rooms:
            pids = [f"{room}-{i}" for i in range(3)]
            for pid in pids:
                await post("/join", {"room": room, "pid": pid})
                publisher = LightPublisher(video, audio, transport_cc=publishers == "browser")
                peers.append(publisher)
                body = await post("/publish", {"pid": pid, "sdp": await publisher.offer()})
                await publisher.answer(body["sdp"])
            for pid in pids:
                subscriber = LightSubscriber()
                peers.append(subscriber)
                subscribers.append(subscriber)
                offer = await post("/subscribe", {"room": room, "pid": pid})
                answer = await subscriber.answer(offer["sdp"])
                await post("/answer", {"pid": pid, "sdp": answer})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def report() -> None:  # frames per subscribed video stream (two per subscriber)
        print(json.dumps({"frames": [s.frames / 2 for s in subscribers]}), flush=True)

    loop.add_signal_handler(signal.SIGUSR1, report)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"ready": len(rooms)}), flush=True)
    await stop.wait()


# -- orchestration -----------------------------------------------------------------------
def _spawn(*args: str) -> Any:
    import subprocess

    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def measure(m: int, window: float, warmup: float, publishers: str, loop: str) -> dict[str, Any]:
    procs: list[Any] = []
    try:
        server = _spawn("--role", "server", "--loop", loop)
        procs.append(server)
        url = f"http://127.0.0.1:{_line(server)['port']}"
        rooms = [f"r{i}" for i in range(m)]
        groups = [rooms[i::PROCESSES] for i in range(PROCESSES) if rooms[i::PROCESSES]]
        clients = [
            _spawn(
                "--role",
                "clients",
                "--url",
                url,
                "--rooms",
                ",".join(g),
                "--publishers",
                publishers,
            )
            for g in groups
        ]
        procs.extend(clients)
        for client in clients:
            _line(client, timeout=120 + 5 * m)
        time.sleep(warmup)  # every connection up and at steady state
        first: list[int] = []
        for client in clients:
            client.send_signal(signal.SIGUSR1)
            first.extend(_line(client)["frames"])
        before = _stats(url)
        start = time.monotonic()
        time.sleep(window)
        after = _stats(url)
        elapsed = time.monotonic() - start
        last: list[int] = []
        for client in clients:
            client.send_signal(signal.SIGUSR1)
            last.extend(_line(client)["frames"])
        fps = [(b - a) / elapsed for a, b in zip(first, last, strict=True)]
        return {
            "cores": (after["cpu"] - before["cpu"]) / elapsed,
            "kernel": (after["sys"] - before["sys"]) / max(after["cpu"] - before["cpu"], 1e-9),
            "pps_in": (after["in"] - before["in"]) / elapsed,
            "pps_out": (after["out"] - before["out"]) / elapsed,
            "fps": statistics.mean(fps) if fps else 0.0,
            "fps_min": min(fps) if fps else 0.0,
            "rss_mb": after["rss"] / 1e6,
            "gc": (after["gc_s"] - before["gc_s"]) / max(after["cpu"] - before["cpu"], 1e-9),
            "gc_max_ms": 1000 * after["gc_longest_s"],
            "gc_join_ms": 1000 * before["gc_longest_s"],  # while everyone joined
        }
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--rooms", default="5,10,20")
    parser.add_argument(
        "--publishers",
        choices=("browser", "aiortc"),
        default="browser",
        help="browser: transport-wide sequence numbers and transport-cc feedback, as "
        "Chromium and Safari publish (default); aiortc: abs-send-time, and the hub "
        "runs aiortc's REMB estimator on every video packet",
    )
    parser.add_argument(
        "--loop",
        choices=KINDS,
        default="uvloop",
        help="the hub's event loop (server.event_loop; `serve` runs on uvloop by default)",
    )
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role == "server":
        from hub.event_loop import loop_factory

        with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
            runner.run(run_server())
        return 0
    if args.role == "clients":
        asyncio.run(run_clients(args.url, args.rooms.split(","), args.publishers))
        return 0

    if args.smoke:
        args.runs, args.window, ms, warmup = 1, 1.0, [1], 1.0
    else:
        ms, warmup = [int(x) for x in args.rooms.split(",")], 4.0

    def median_run(m: int) -> dict[str, float]:
        runs = [
            measure(m, args.window, warmup, args.publishers, args.loop) for _ in range(args.runs)
        ]
        return {key: statistics.median(r[key] for r in runs) for key in runs[0]}

    load = os.getloadavg()[0]
    base = median_run(0)["cores"]
    print(f"\nrooms benchmark: median of {args.runs} run(s), {args.window:.0f} s windows")
    print(
        "three-person rooms (each: Opus + VP8 0.5 Mbps in, the other two out); "
        f"publishers: {args.publishers}; hub event loop: {args.loop}"
    )
    print(f"interpreter: {interpreter()}")
    print(
        f"{'M':>4} {'cores':>7} {'per room':>9} {'norm.':>8} {'pkt/s in':>9} {'pkt/s out':>10} "
        f"{'fps':>6} {'min fps':>8} {'RSS MB':>7} {'kernel':>7} "
        f"{'GC':>5} {'GC max':>7} {'joining':>8}"
    )
    print(f"{0:>4} {base:>7.3f}")
    per_room: dict[int, float] = {}
    slow = False
    for m in ms:
        r = median_run(m)
        marginal = r["cores"] - base
        if r["fps"] < MIN_FPS:
            cost = f"{'clients':>9} {'behind':>8}"  # a collapsed run measures nothing
        elif marginal * args.window >= MIN_SIGNAL_CPU_S and r["pps_in"] > 0:
            # per room at the nominal packet rate: clients on a busy machine fall behind
            per_room[m] = marginal / r["pps_in"] * NOMINAL_PPS
            cost = f"{100 * marginal / m:>8.2f}% {100 * per_room[m]:>7.2f}%"
        else:
            cost = f"{'-':>9} {'-':>8}"
        print(
            f"{m:>4} {r['cores']:>7.3f} {cost} {r['pps_in']:>9.0f} {r['pps_out']:>10.0f} "
            f"{r['fps']:>6.1f} {r['fps_min']:>8.1f} {r['rss_mb']:>7.0f} {100 * r['kernel']:>6.0f}% "
            f"{100 * r['gc']:>4.1f}% {r['gc_max_ms']:>5.0f}ms {r['gc_join_ms']:>6.0f}ms"
        )
        slow |= r["fps"] < 29
    print(f"machine load average: {load:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores)")
    if slow:
        print("note: clients fell behind (machine busy); 'norm.' scales to the nominal rate")
    if per_room:
        top = max(per_room)
        print(
            f"three-person rooms per core (at M={top}, normalised): "
            f"{1 / per_room[top]:.0f} (target 35)"
        )
    else:
        print("three-person rooms per core: not enough signal (run without --smoke)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
