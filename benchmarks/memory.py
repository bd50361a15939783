"""Hub memory under a steady load: does RSS stay flat once warmed up?

One publisher (VP8 640x480 ~0.5 Mbps) and N subscribers (default 200) on the
packet path for a few minutes (default 5), the hub's RSS sampled every 10 s.
Retransmission histories, delay samples and queues are bounded, so after the
warm-up (the first minute: histories fill, allocator settles) RSS must stay
flat. Baseline in the same run: the hub's RSS with the publisher alone.

    python benchmarks/memory.py                      # 200 subscribers, 5 minutes
    python benchmarks/memory.py --smoke              # CI: 5 subscribers, a few seconds
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relay import PACKETS, _line, _spawn, _stats, _wait_for, interpreter  # noqa: E402

FLAT_GROWTH = 0.05  # RSS after the warm-up may grow by at most this much (5 %)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    if args.smoke:
        n, duration, warmup, every = 5, 6.0, 2.0, 1.0
    else:
        n, duration, warmup, every = args.subscribers, 60 * args.minutes, 60.0, 10.0

    load = os.getloadavg()[0]
    procs = []
    try:
        server = _spawn("--role", "server", "--mode", PACKETS)
        procs.append(server)
        url = f"http://127.0.0.1:{_line(server)['port']}"
        publisher = _spawn("--role", "publisher", "--url", url)
        procs.append(publisher)
        _line(publisher)
        baseline = _wait_for(lambda s: s["received"] > 30, url)["rss"] / 1e6
        groups = [n // 4 + (1 if i < n % 4 else 0) for i in range(min(4, n))]
        subs = [_spawn("--role", "subscribers", "--url", url, "--count", str(g)) for g in groups]
        procs.extend(subs)
        for sub in subs:
            _line(sub, timeout=60 + n)
        start = time.monotonic()
        samples: list[tuple[float, float, int]] = []  # (s, RSS MB, packets forwarded)
        while time.monotonic() - start < duration:
            stats = _stats(url)
            samples.append((time.monotonic() - start, stats["rss"] / 1e6, stats["forwarded"]))
            time.sleep(every)  # sampling period
        frames_seen = []
        for sub in subs:
            sub.send_signal(signal.SIGUSR1)
            frames_seen.extend(_line(sub)["received"])
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()

    print(f"\nmemory benchmark: 1 publisher, {n} subscribers, {duration / 60:.1f} min")
    print(f"interpreter: {interpreter()}")
    print(f"hub RSS with the publisher alone: {baseline:.0f} MB")
    print(f"{'t s':>6} {'RSS MB':>8}")
    for t, rss, _ in samples:
        print(f"{t:>6.0f} {rss:>8.1f}")
    warm = [rss for t, rss, _ in samples if t >= warmup]
    if len(warm) < 2:
        print("not enough samples after the warm-up")
        return 0
    growth = (warm[-1] - warm[0]) / warm[0]
    peak = max(warm)
    print(
        f"after the warm-up ({warmup:.0f} s): {warm[0]:.1f} -> {warm[-1]:.1f} MB "
        f"({100 * growth:+.1f} %, peak {peak:.1f} MB); "
        f"{(warm[0] - baseline) / n * 1000:.0f} kB per subscriber"
    )
    print(f"machine load average: {load:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores)")
    flat = growth <= FLAT_GROWTH
    print("RSS flat after warm-up" if flat else f"FAIL: RSS grew {100 * growth:.1f} %")
    if not args.smoke and min(frames_seen, default=0) == 0:
        print("FAIL: a subscriber received nothing", file=sys.stderr)
        return 1
    return 0 if flat or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
