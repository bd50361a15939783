"""The same 1->N forwarding workload against Janus 1.1.2, side by side.

One publisher (VP8 640x480 ~0.5 Mbps, 30 fps) and N subscribers (benchmarks/
_clients.py's light peers) through, in the same run:
  hub              our packet path (benchmarks/relay.py's server);
  janus            Janus's videoroom plugin, default threading (a loop per handle);
  janus-loops2     the same with `event_loops = 2` (the core count).
For each: server CPU-seconds per forwarded stream-second, marginal over the same
server with the publisher alone, and frames per second each subscriber got.

Janus never offers a 127.0.0.1 candidate, so everything runs inside a network
namespace this benchmark creates (a veth pair, 10.77.0.1 for the servers and
10.77.0.2 for the clients; RECIPES.md) and deletes when done. Needs root and
Debian's `janus` package.

    sudo python benchmarks/janus.py              # N = 8, 32, 64; 3 runs each
    sudo python benchmarks/janus.py --smoke      # CI: N = 1, one short run per server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import relay  # noqa: E402

SERVER_IP, CLIENT_IP = "10.77.0.1", "10.77.0.2"
JANUS_LIBS = Path("/usr/lib/x86_64-linux-gnu/janus")
JANUS_URL = "http://127.0.0.1:8088/janus"
SERVERS = ("hub", "janus", "janus-loops2")
ROOM = 4242


# -- the network namespace ----------------------------------------------------------------
def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def create_namespace(name: str) -> None:
    _ip("netns", "add", name)
    _ip("link", "add", f"{name}a", "type", "veth", "peer", "name", f"{name}b")
    for end, address in ((f"{name}a", SERVER_IP), (f"{name}b", CLIENT_IP)):
        _ip("link", "set", end, "netns", name)
        _ip("-n", name, "addr", "add", f"{address}/24", "dev", end)
        _ip("-n", name, "link", "set", end, "up")
    _ip("-n", name, "link", "set", "lo", "up")
    for key in ("all", "default", f"{name}a", f"{name}b"):
        subprocess.run(
            ["ip", "netns", "exec", name, "sysctl", "-qw", f"net.ipv4.conf.{key}.accept_local=1"],
            check=True,
            capture_output=True,
        )


def delete_namespace(name: str) -> None:
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


# -- Janus ----------------------------------------------------------------------------------
def janus_config(folder: Path, event_loops: int | None) -> None:
    loops = f"event_loops = {event_loops}" if event_loops else ""
    disabled = ",".join(
        p.name for p in (JANUS_LIBS / "plugins").glob("*.so") if "videoroom" not in p.name
    )
    transports = ",".join(
        p.name for p in (JANUS_LIBS / "transports").glob("*.so") if "http" not in p.name
    )
    (folder / "janus.jcfg").write_text(
        f"""general: {{
    configs_folder = "{folder}"
    plugins_folder = "{JANUS_LIBS}/plugins"
    transports_folder = "{JANUS_LIBS}/transports"
    events_folder = "{JANUS_LIBS}/events"
    loggers_folder = "{JANUS_LIBS}/loggers"
    debug_level = 2
    session_timeout = 0
    {loops}
}}
media: {{ rtp_port_range = "30000-40000" }}
nat: {{ ice_enforce_list = "{SERVER_IP}" }}
plugins: {{ disable = "{disabled}" }}
transports: {{ disable = "{transports}" }}
events: {{ broadcast = false }}
"""
    )
    (folder / "janus.transport.http.jcfg").write_text(
        'general: { base_path = "/janus", http = true, port = 8088, https = false }\n'
        "admin: { admin_http = false }\n"
    )
    (folder / "janus.plugin.videoroom.jcfg").write_text("general: { }\n")


class JanusApi:
    """The few Janus HTTP API calls a videoroom publisher/subscriber makes."""

    def __init__(self, http: Any) -> None:
        self.http = http
        self.session = 0

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": uuid.uuid4().hex}
        async with self.http.post(JANUS_URL + path, json=body) as response:
            data: dict[str, Any] = await response.json(content_type=None)
            return data

    async def attach(self) -> int:
        if not self.session:
            self.session = (await self.post("", {"janus": "create"}))["data"]["id"]
        reply = await self.post(
            f"/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"}
        )
        return int(reply["data"]["id"])

    async def message(
        self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        return await self.post(f"/{self.session}/{handle}", request)

    async def event(self, handle: int) -> dict[str, Any]:
        """The next plugin event for `handle` that carries a jsep (long poll)."""
        while True:
            url = f"{JANUS_URL}/{self.session}?maxev=1"
            async with self.http.get(url) as response:
                data = await response.json(content_type=None)
            for event in data if isinstance(data, list) else [data]:
                if event.get("sender") == handle and "jsep" in event:
                    return dict(event)


async def run_janus_publisher() -> None:
    import aiohttp

    from benchmarks._clients import LightPublisher
    from media.ice import announce_host_addresses
    from tests.media.fixtures import encoded_video

    announce_host_addresses([CLIENT_IP], discover=False)
    frames = encoded_video("libvpx", count=150, width=640, height=480, bitrate=500_000)
    publisher = LightPublisher(frames)
    async with aiohttp.ClientSession() as http:
        api = JanusApi(http)
        handle = await api.attach()
        await api.message(
            handle,
            {"request": "create", "room": ROOM, "publishers": 1, "videocodec": "vp8", "bitrate": 0},
        )
        offer = await publisher.offer()
        await api.message(
            handle,
            {"request": "joinandconfigure", "room": ROOM, "ptype": "publisher", "id": 1},
            {"type": "offer", "sdp": offer},
        )
        answer = await api.event(handle)
        await publisher.answer(answer["jsep"]["sdp"])
        print(json.dumps({"published": True}), flush=True)
        await asyncio.Event().wait()


async def run_janus_subscribers(count: int) -> None:
    import aiohttp

    from benchmarks._clients import LightSubscriber
    from media.ice import announce_host_addresses

    announce_host_addresses([CLIENT_IP], discover=False)
    subscribers = []
    async with aiohttp.ClientSession() as http:
        api = JanusApi(http)
        for _ in range(count):
            subscriber = LightSubscriber()
            subscribers.append(subscriber)
            handle = await api.attach()
            await api.message(
                handle,
                {"request": "join", "room": ROOM, "ptype": "subscriber", "streams": [{"feed": 1}]},
            )
            offer = await api.event(handle)
            answer = await subscriber.answer(offer["jsep"]["sdp"])
            await api.message(handle, {"request": "start"}, {"type": "answer", "sdp": answer})
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def report() -> None:
            print(json.dumps({"received": [s.frames for s in subscribers]}), flush=True)

        loop.add_signal_handler(signal.SIGUSR1, report)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        print(json.dumps({"subscribed": count}), flush=True)
        await stop.wait()


# -- measuring (inside the namespace) ---------------------------------------------------------
def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_for_janus(limit: float = 20) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(JANUS_URL + "/info", timeout=1):
                return
        except OSError:
            time.sleep(0.2)  # Janus is starting
    raise RuntimeError("Janus did not start")


def measure(server: str, n: int, window: float, warmup: float) -> dict[str, Any]:
    import psutil

    procs: list[subprocess.Popen[Any]] = []
    folder = Path(tempfile.mkdtemp(prefix="janus-bench-"))
    try:
        if server == "hub":
            hub = relay._spawn("--role", "server", "--mode", relay.PACKETS, ice=SERVER_IP)
            procs.append(hub)
            url = f"http://127.0.0.1:{relay._line(hub)['port']}"
            pid = hub.pid
            publisher = relay._spawn("--role", "publisher", "--url", url, ice=CLIENT_IP)
        else:
            janus_config(folder, 2 if server == "janus-loops2" else None)
            janus = subprocess.Popen(
                ["janus", "-F", str(folder), "-C", str(folder / "janus.jcfg"), "-N"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(janus)
            pid = janus.pid
            _wait_for_janus()
            publisher = _spawn("--role", "janus-publisher")
        procs.append(publisher)
        relay._line(publisher)
        time.sleep(warmup)  # the publisher's stream settles
        groups = [n // 4 + (1 if i < n % 4 else 0) for i in range(min(4, n))] if n else []
        if server == "hub":
            subs = [
                relay._spawn(
                    "--role", "subscribers", "--url", url, "--count", str(g), ice=CLIENT_IP
                )
                for g in groups
            ]
        else:
            subs = [_spawn("--role", "janus-subscribers", "--count", str(g)) for g in groups]
        procs.extend(subs)
        for sub in subs:
            relay._line(sub, timeout=60 + 2 * n)
        relay._all_flowing(subs)
        time.sleep(warmup)  # every subscriber at steady state
        first: list[int] = []
        for sub in subs:
            sub.send_signal(signal.SIGUSR1)
            first.extend(relay._line(sub)["received"])
        process = psutil.Process(pid)
        before = sum(process.cpu_times()[:2])
        start = time.monotonic()
        time.sleep(window)
        cpu = sum(process.cpu_times()[:2]) - before
        elapsed = time.monotonic() - start
        last: list[int] = []
        for sub in subs:
            sub.send_signal(signal.SIGUSR1)
            last.extend(relay._line(sub)["received"])
        fps = [(b - a) / elapsed for a, b in zip(first, last, strict=True)]
        return {"cores": cpu / elapsed, "fps": statistics.mean(fps) if fps else 0.0}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def inside(args: argparse.Namespace) -> int:
    ns = [1] if args.smoke else [int(x) for x in args.subscribers.split(",")]
    window, warmup = (1.0, 1.0) if args.smoke else (args.window, 3.0)
    runs = 1 if args.smoke else args.runs
    results: dict[str, dict[int, dict[str, float]]] = {}
    for server in SERVERS:
        results[server] = {}
        for n in [0, *ns]:
            got = [measure(server, n, window, warmup) for _ in range(runs)]
            results[server][n] = {k: statistics.median(r[k] for r in got) for k in got[0]}
    load = os.getloadavg()[0]
    print(f"\njanus benchmark: median of {runs} run(s), {window:.0f} s windows, load {load:.1f}")
    print("server CPU-seconds per forwarded stream-second (marginal over the publisher alone)")
    print(f"the hub's interpreter: {relay.interpreter()}")
    print(f"{'N':>4} {'server':<13} {'cores':>7} {'per sub':>9} {'fps/sub':>8}")
    per_sub: dict[str, dict[int, float]] = {s: {} for s in SERVERS}
    for server in SERVERS:
        base = results[server][0]["cores"]
        for n, r in sorted(results[server].items()):
            marginal = r["cores"] - base
            signal_ok = n and marginal * window >= relay.MIN_SIGNAL_CPU_S
            if signal_ok:
                per_sub[server][n] = marginal / n
            cost = f"{100 * marginal / n:>8.3f}%" if signal_ok else f"{'-':>9}"
            print(f"{n:>4} {server:<13} {r['cores']:>7.3f} {cost} {r['fps']:>8.1f}")
    for n in ns:
        figures = {s: per_sub[s].get(n) for s in SERVERS}
        if None in figures.values():
            print(f"N={n}: not enough signal")
            continue
        hub = figures["hub"] or 1.0
        print(
            f"N={n}: per subscriber hub {100 * hub:.3f}%, Janus default "
            f"{100 * (figures['janus'] or 0):.3f}% ({(figures['janus'] or 0) / hub:.2f}x the hub), "
            f"Janus event_loops=2 {100 * (figures['janus-loops2'] or 0):.3f}% "
            f"({(figures['janus-loops2'] or 0) / hub:.2f}x the hub)"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--subscribers", default="8,32,64")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role == "janus-publisher":
        asyncio.run(run_janus_publisher())
        return 0
    if args.role == "janus-subscribers":
        asyncio.run(run_janus_subscribers(args.count))
        return 0
    if args.inside:
        return inside(args)

    if os.geteuid() != 0 or shutil.which("janus") is None or shutil.which("ip") is None:
        print("janus benchmark needs root, iproute2 and Debian's janus (apt-get install janus)")
        return 1
    name = f"mhj{os.getpid()}"
    create_namespace(name)
    try:
        forwarded = [a for a in sys.argv[1:] if a != "--inside"]
        command = ["ip", "netns", "exec", name, sys.executable, __file__, "--inside", *forwarded]
        return subprocess.run(command, cwd=ROOT).returncode
    finally:
        delete_namespace(name)


if __name__ == "__main__":
    sys.exit(main())
