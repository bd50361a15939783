"""How much wrong logins hold up the event loop that forwards media, same run:

  inline:  Argon2 checked on the event loop, as login did before issue 9
           (and an unknown username cost two runs: hash a dummy, then check);
  pool:    rooms.passwords.PasswordPool (one low-priority thread, bounded queue,
           one run against a precomputed dummy hash for unknown usernames).

A ticker on the loop asks to wake every 5 ms (a 30 fps stream needs a frame every
33 ms); its lateness is the loop lag. `concurrency` wrong logins are kept in flight,
half for unknown usernames. Prints medians over several runs of the p90 and max
lag, and the ratio inline/pool. Without throttling: this is the pool alone.

    python benchmarks/logins.py [--smoke] [--runs N] [--seconds S] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from rooms.passwords import PasswordPool

TICK_S = 0.005


async def _ticker(lags: list[float], running: list[bool]) -> None:
    while running[0]:
        before = time.perf_counter()
        await asyncio.sleep(TICK_S)
        lags.append(time.perf_counter() - before - TICK_S)


def _inline_check(hasher: PasswordHasher, stored: str | None, password: str) -> bool:
    try:  # the old authenticate(): unknown users hashed a dummy, then checked it
        return hasher.verify(stored or hasher.hash("x" * 12), password)
    except VerificationError:
        return False


async def run(mode: str, seconds: float, concurrency: int) -> tuple[float, float, int]:
    """(p90 lag s, max lag s, logins done) for `seconds` of `concurrency` logins."""
    hasher = PasswordHasher()
    stored = hasher.hash("the-right-password")
    pool = PasswordPool()
    await pool.warm_up()
    lags: list[float] = []
    running = [True]
    done = 0
    until = time.perf_counter() + seconds

    async def attacker(i: int) -> None:
        nonlocal done
        while time.perf_counter() < until:
            target = stored if i % 2 else None
            if mode == "inline":
                _inline_check(hasher, target, "wrong")
                await asyncio.sleep(0)
            else:
                await pool.check(target, "wrong")
            done += 1

    tick = asyncio.ensure_future(_ticker(lags, running))
    await asyncio.gather(*(attacker(i) for i in range(concurrency)))
    running[0] = False
    await tick
    pool.close()
    lags.sort()
    return lags[int(len(lags) * 0.9)], lags[-1], done


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    runs, seconds = (1, 1.0) if args.smoke else (args.runs, args.seconds)
    print(
        f"login benchmark: {runs} runs x {seconds:.0f} s, {args.concurrency} wrong logins"
        " in flight (medians)"
    )
    print(f"{'mode':<8} {'loop lag p90 (ms)':>18} {'max (ms)':>10} {'logins/s':>9}")
    results: dict[str, tuple[float, float]] = {}
    for mode in ("inline", "pool"):
        p90s, maxes, rates = [], [], []
        for _ in range(runs):
            p90, worst, done = await run(mode, seconds, args.concurrency)
            p90s.append(p90)
            maxes.append(worst)
            rates.append(done / seconds)
        results[mode] = (statistics.median(p90s), statistics.median(maxes))
        print(
            f"{mode:<8} {results[mode][0] * 1000:>18.1f} {results[mode][1] * 1000:>10.1f} "
            f"{statistics.median(rates):>9.1f}"
        )
    ratio = results["inline"][0] / max(results["pool"][0], 1e-4)
    print(f"ratio inline/pool, p90 loop lag: {ratio:.0f}x")


if __name__ == "__main__":
    asyncio.run(main())
