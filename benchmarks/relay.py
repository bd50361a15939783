"""Forwarding cost: our RTP packet path vs the frame path and aiortc's MediaRelay.

One publisher (pre-encoded VP8, 640x480, 30 fps, ~0.5 Mbps) and N subscribers,
each role in its own process, over loopback. Three servers, in the same run:

  packets     the hub as it is: each subscriber's consumer rewrites and
              SRTP-protects the publisher's RTP packets (media core v2);
  frames      the v1 frame path, as a baseline: one frame assembler per producer,
              then per subscriber a DirectTransport consumer feeding an aiortc
              sender that re-packetises every frame;
  mediarelay  aiortc's stock MediaRelay (decodes once, encodes per subscriber).

For every N: the server process's CPU-seconds per forwarded stream-second,
marginal over the same server with no subscriber (publisher ingest only), and
the delay inside the hub (packets: arrival -> sent, per packet; frames: arrival
-> hand-off to the sender, per frame). Clients are benchmarks/_clients.py's
light peers (they cost the machine far less than aiortc's own per-packet path):
subscribers count frames (marker bits) off the socket without decrypting.
A figure whose marginal CPU is too small to measure (under 0.2 CPU-seconds in
the window: psutil counts 10 ms ticks) says "not enough signal", not a ratio.

    python benchmarks/relay.py            # full: N = 1..200, 3 runs each
    python benchmarks/relay.py --smoke    # CI: N = 1, one short run per path

Figures are medians over the runs; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PACKETS, FRAMES, MEDIARELAY = "packets", "frames", "mediarelay"
# The address each role announces as its ICE host candidate (benchmarks/janus.py
# runs everything in a network namespace of its own, on a veth pair).
ICE_ENV = "BENCH_ICE_ADDRESS"


def ice_address() -> list[str]:
    return [os.environ.get(ICE_ENV, "127.0.0.1")]


MODES = (PACKETS, FRAMES, MEDIARELAY)
MIN_SIGNAL_CPU_S = 0.2  # marginal CPU-seconds in a window below which a figure is noise


# -- server ------------------------------------------------------------------------------
def frame_track(consumer: Any) -> Any:
    """The v1 frame path: an aiortc track whose recv() returns the consumer's
    frames as av.Packets, which the sender re-packetises."""
    from aiortc import MediaStreamTrack

    class _Track(MediaStreamTrack):
        kind = "video"

        async def recv(self) -> Any:
            frame = await consumer.recv_frame()
            return frame.as_packet()

    return _Track()


async def run_server(mode: str) -> None:
    import psutil
    from aiohttp import web
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRelay

    from media import _aiortc_taps as taps
    from media.ice import announce_host_addresses
    from media.router import Router

    announce_host_addresses(ice_address(), discover=False)
    router = Router()
    relay = MediaRelay()
    source: dict[str, Any] = {}
    subscribers: dict[str, Any] = {}
    ids = itertools.count()
    proc = psutil.Process()

    async def publish(request: web.Request) -> web.Response:
        body = await request.json()
        if mode in (PACKETS, FRAMES):
            transport = router.create_peer_transport()
            answer = await transport.publish(body["sdp"])
            return web.json_response({"sdp": answer})
        pc = RTCPeerConnection()
        pc.on("track", lambda track: source.__setitem__("track", track))
        await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        source["pc"] = pc
        return web.json_response({"sdp": pc.localDescription.sdp})

    async def subscribe(request: web.Request) -> web.Response:
        key = str(next(ids))  # unique even when subscriber processes ask at once
        if mode == PACKETS:
            transport = router.create_peer_transport()
            for producer in router.producers:
                transport.consume(producer)
            subscribers[key] = transport
            offer = await transport.subscribe_offer()
        elif mode == FRAMES:
            pc = RTCPeerConnection()
            consumer = router.create_direct_transport().consume(router.producers[0])
            transceiver = pc.addTransceiver(frame_track(consumer), direction="sendonly")
            taps.on_keyframe_request(transceiver.sender, consumer.request_keyframe)
            await pc.setLocalDescription(await pc.createOffer())
            subscribers[key] = pc
            offer = pc.localDescription.sdp
        else:
            pc = RTCPeerConnection()
            pc.addTrack(relay.subscribe(source["track"]))
            await pc.setLocalDescription(await pc.createOffer())
            subscribers[key] = pc
            offer = pc.localDescription.sdp
        return web.json_response({"id": key, "sdp": offer})

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        target = subscribers[body["id"]]
        if mode == PACKETS:
            await target.subscribe_answer(body["sdp"])
        else:
            await target.setRemoteDescription(RTCSessionDescription(body["sdp"], "answer"))
        return web.json_response({})

    async def stats(request: web.Request) -> web.Response:
        times = proc.cpu_times()
        delays: list[float] = []
        for transport in router.transports:
            for consumer in transport.consumers:
                delays.extend(consumer.delays)
                consumer.delays.clear()  # each window reports its own
        return web.json_response(
            {
                "cpu": times.user + times.system,
                "received": router.counters.received_frames + router.counters.received_packets,
                "forwarded": router.counters.forwarded_frames + router.counters.forwarded_packets,
                "delays": delays,
                "rss": proc.memory_info().rss,
            }
        )

    from benchmarks._clients import serve_forever

    await serve_forever(
        [
            web.post("/publish", publish),
            web.post("/subscribe", subscribe),
            web.post("/answer", answer),
            web.get("/stats", stats),
        ]
    )


# -- clients -----------------------------------------------------------------------------
async def run_publisher(url: str) -> None:
    import aiohttp

    from benchmarks._clients import LightPublisher
    from media.ice import announce_host_addresses
    from tests.media.fixtures import encoded_video

    announce_host_addresses(ice_address(), discover=False)
    frames = encoded_video("libvpx", count=150, width=640, height=480, bitrate=500_000)
    publisher = LightPublisher(frames)
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/publish", json={"sdp": await publisher.offer()}) as r:
            body = await r.json()
    await publisher.answer(body["sdp"])
    print(json.dumps({"published": True}), flush=True)
    await asyncio.Event().wait()


async def run_subscribers(url: str, count: int) -> None:
    import aiohttp

    from benchmarks._clients import LightSubscriber
    from media.ice import announce_host_addresses

    announce_host_addresses(ice_address(), discover=False)
    subscribers = []
    async with aiohttp.ClientSession() as http:
        for _ in range(count):
            subscriber = LightSubscriber()
            subscribers.append(subscriber)
            async with http.post(url + "/subscribe", json={}) as r:
                offer = await r.json()
            answer = await subscriber.answer(offer["sdp"])
            async with http.post(url + "/answer", json={"id": offer["id"], "sdp": answer}):
                pass
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def report() -> None:
        print(json.dumps({"received": [s.frames for s in subscribers]}), flush=True)

    loop.add_signal_handler(signal.SIGUSR1, report)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"subscribed": count}), flush=True)
    await stop.wait()
    report()


# -- orchestration -----------------------------------------------------------------------
def _spawn(*args: str, ice: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if ice is not None:
        env[ICE_ENV] = ice
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )


def interpreter() -> str:
    """Which CPython runs the hub (the figures depend on its build: see
    scripts/python.sh)."""
    import platform

    name = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{name} ({sys._base_executable})"


def _line(proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
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


def _wait_for(predicate: Any, url: str, limit: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        stats = _stats(url)
        if predicate(stats):
            return stats
        time.sleep(0.2)
    raise RuntimeError(f"server never reached the expected state: {_stats(url)}")


def _all_flowing(subs: list[subprocess.Popen[str]], limit: float = 30) -> None:
    """Wait until every subscriber has received frames (connections come up late
    on a busy machine; a window must not start before they all flow)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        counts: list[int] = []
        for sub in subs:
            sub.send_signal(signal.SIGUSR1)
            counts.extend(_line(sub)["received"])
        if all(counts):
            return
        time.sleep(0.5)  # polling the subscriber processes
    raise RuntimeError(f"{sum(1 for c in counts if not c)} subscribers never received media")


def measure(mode: str, n: int, window: float, warmup: float) -> dict[str, Any]:
    """One run: server CPU over `window` seconds with n subscribers flowing."""
    procs: list[subprocess.Popen[str]] = []
    try:
        server = _spawn("--role", "server", "--mode", mode)
        procs.append(server)
        url = f"http://127.0.0.1:{_line(server)['port']}"
        publisher = _spawn("--role", "publisher", "--url", url)
        procs.append(publisher)
        _line(publisher)
        if mode in (PACKETS, FRAMES):
            _wait_for(lambda s: s["received"] > 30, url)
        else:
            time.sleep(warmup)  # MediaRelay exposes no counters; let the decoder settle
        groups = [n // 4 + (1 if i < n % 4 else 0) for i in range(min(4, n))] if n else []
        # (four client processes: on 2 cores they cost more CPU than the hub does)
        subs = [_spawn("--role", "subscribers", "--url", url, "--count", str(g)) for g in groups]
        procs.extend(subs)
        for sub in subs:
            _line(sub)
        _all_flowing(subs)
        time.sleep(warmup)  # let every subscriber reach steady state
        _stats(url)  # drop the warm-up's delays
        first: list[int] = []
        for sub in subs:
            sub.send_signal(signal.SIGUSR1)
            first.extend(_line(sub)["received"])
        before = _stats(url)
        start = time.monotonic()
        time.sleep(window)
        after = _stats(url)
        elapsed = time.monotonic() - start
        last: list[int] = []
        for sub in subs:
            sub.send_signal(signal.SIGUSR1)
            last.extend(_line(sub)["received"])
            sub.send_signal(signal.SIGTERM)
        received = [b - a for a, b in zip(first, last, strict=True)]
        delays = sorted(after["delays"])
        return {
            "cpu_s": after["cpu"] - before["cpu"],
            "elapsed": elapsed,
            "fps_per_sub": [r / elapsed for r in received],
            "delay_p50_ms": 1000 * delays[len(delays) // 2] if delays else None,
            "delay_p99_ms": 1000 * delays[int(len(delays) * 0.99)] if delays else None,
            "rss_mb": after["rss"] / 1e6,
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
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--subscribers", default="1,10,50,100,200")
    parser.add_argument("--frames-max", type=int, default=50)
    parser.add_argument("--mediarelay-max", type=int, default=4)
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default=PACKETS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role == "server":  # on the loop `serve` would run on (MEDIATION_HUB_EVENT_LOOP)
        from hub.config import from_env
        from hub.event_loop import loop_factory

        with asyncio.Runner(loop_factory=loop_factory(from_env().server.event_loop)) as runner:
            runner.run(run_server(args.mode))
        return 0
    if args.role == "publisher":
        asyncio.run(run_publisher(args.url))
        return 0
    if args.role == "subscribers":
        asyncio.run(run_subscribers(args.url, args.count))
        return 0

    if args.smoke:
        args.runs, args.window, ns, warmup = 1, 1.0, [1], 1.0
    else:
        ns, warmup = [int(x) for x in args.subscribers.split(",")], 3.0
    limits = {PACKETS: max(ns), FRAMES: args.frames_max, MEDIARELAY: args.mediarelay_max}

    def median_run(mode: str, n: int) -> dict[str, Any]:
        runs = [measure(mode, n, args.window, warmup) for _ in range(args.runs)]
        return {
            "cpu_per_s": statistics.median(r["cpu_s"] / r["elapsed"] for r in runs),
            "fps": statistics.median(statistics.mean(r["fps_per_sub"] or [0]) for r in runs),
            "p50": statistics.median(r["delay_p50_ms"] or 0 for r in runs),
            "p99": statistics.median(r["delay_p99_ms"] or 0 for r in runs),
            "rss": statistics.median(r["rss_mb"] for r in runs),
        }

    results: dict[str, dict[int, dict[str, Any]]] = {mode: {} for mode in MODES}
    for mode in MODES:
        results[mode][0] = median_run(mode, 0)
        for n in ns:
            if n <= limits[mode]:
                results[mode][n] = median_run(mode, n)

    print(f"\nrelay benchmark: median of {args.runs} run(s), {args.window:.0f} s windows")
    print("server CPU-seconds per forwarded stream-second (marginal over 0 subscribers)")
    from hub.config import from_env

    loop = from_env().server.event_loop
    print(f"hub event loop: {loop} (MEDIATION_HUB_EVENT_LOOP; what `serve` runs on)")
    print(f"interpreter: {interpreter()}")
    columns = ("N", "path", "cores", "per sub", "fps/sub", "p50 ms", "p99 ms", "RSS MB")
    widths = (4, -11, 7, 9, 8, 7, 7, 7)
    print(
        " ".join(
            f"{c:<{-w}}" if w < 0 else f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)
        )
    )
    per_sub: dict[str, dict[int, float]] = {mode: {} for mode in MODES}
    for mode in MODES:
        base = results[mode][0]["cpu_per_s"]
        for n, r in sorted(results[mode].items()):
            marginal = r["cpu_per_s"] - base
            signal = marginal * args.window >= MIN_SIGNAL_CPU_S
            if mode != MEDIARELAY and r["fps"] < 27:
                signal = False  # subscribers fell behind (machine busy): no figure
            if n and signal:
                per_sub[mode][n] = marginal / n
            cost = f"{100 * marginal / n:>8.3f}%" if n and signal else f"{'-':>9}"
            print(
                f"{n:>4} {mode:<11} {r['cpu_per_s']:>7.3f} {cost} "
                f"{r['fps']:>8.1f} {r['p50']:>7.2f} {r['p99']:>7.2f} {r['rss']:>7.0f}"
            )
    for baseline in (FRAMES, MEDIARELAY):
        for n in ns:
            if n not in results[baseline]:
                continue
            if n not in per_sub[PACKETS] or n not in per_sub[baseline]:
                print(f"ratio at N={n}: {baseline} vs packets: not enough signal")
                continue
            ratio = per_sub[baseline][n] / per_sub[PACKETS][n]
            note = ""
            if results[baseline][n]["fps"] < 25:
                note = f" ({baseline} could not keep up: CPU-bound, its cost is understated)"
            print(f"ratio at N={n}: {baseline} costs {ratio:.1f}x the packet path per sub{note}")
    if per_sub[PACKETS] and per_sub[MEDIARELAY]:
        # MediaRelay cannot run at the N where the packet path has signal (it
        # encodes per subscriber); per-subscriber cost is flat in N for both
        ours, theirs = max(per_sub[PACKETS]), max(per_sub[MEDIARELAY])
        ratio = per_sub[MEDIARELAY][theirs] / per_sub[PACKETS][ours]
        print(f"MediaRelay at N={theirs} costs {ratio:.0f}x the packet path at N={ours} per sub")
    if per_sub[PACKETS]:
        top = max(per_sub[PACKETS])
        print(
            f"capacity estimate at N={top}: {1 / per_sub[PACKETS][top]:.0f} "
            "0.5 Mbps video subscribers per core (packet path, forwarding only)"
        )
        near = min(results[PACKETS], key=lambda n: abs(n - 100))
        print(f"in-hub delay at N={near}: p99 {results[PACKETS][near]['p99']:.2f} ms")
    else:
        print("capacity estimate: not enough signal (run without --smoke)")
    for mode in (PACKETS, FRAMES):
        for n, r in results[mode].items():
            if n and r["fps"] < 20:
                print(f"FAIL: {mode} N={n} subscribers got {r['fps']:.1f} fps", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
