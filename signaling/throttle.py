"""Failed-attempt throttling with exponential back-off and locks, per key.

One interface (Throttle), two implementations chosen by hub/ at wiring time
(LiveKit style): LocalThrottle keeps counts in this process; RedisThrottle keeps
them in Redis so that every node of a city shares them. A key is what is being
guessed at or from: "login:acct:<username>", "login:addr:<ip>", "code:addr:<ip>".

After `free` failures each further failure doubles the wait before the next try
(base_s, 2*base_s, 4*base_s ... up to max_s). With `lock_after`, that many
failures lock the key for lock_s unless an administrator lifts it (clear). A
key is forgotten `window_s` after its last failure (Redis: the key's TTL), so
nothing grows without end.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

__all__ = ["Limits", "LocalThrottle", "RedisThrottle", "Throttle", "ThrottleUnavailable", "Verdict"]


class ThrottleUnavailable(Exception):
    """The shared store can't be reached: callers refuse (503) rather than let
    guesses through uncounted."""


@dataclass(frozen=True)
class Limits:
    free: int  # failures allowed before back-off starts
    base_s: float = 1.0  # the first back-off; it doubles with each further failure
    max_s: float = 900.0  # longest back-off
    window_s: float = 3600.0  # a key is forgotten this long after its last failure
    lock_after: int | None = None  # this many failures lock the key (None: never)
    lock_s: float = 86400.0  # a lock lasts this long unless lifted

    def delay_s(self, failures: int) -> float:
        over = failures - self.free
        if over <= 0:
            return 0.0
        return min(self.max_s, self.base_s * 2.0 ** min(over - 1, 60))


@dataclass(frozen=True)
class Verdict:
    failures: int = 0
    retry_after_s: float = 0.0  # 0: may try now
    locked_s: float = 0.0  # > 0: locked for this much longer (unless lifted)
    newly_locked: bool = False  # this failure set the lock

    @property
    def allowed(self) -> bool:
        return self.retry_after_s <= 0 and self.locked_s <= 0


class Throttle(Protocol):
    async def check(self, key: str) -> Verdict:
        """May `key` try now? (Reads only.)"""
        ...

    async def failure(self, key: str, limits: Limits) -> Verdict:
        """Count one failure of `key`; the verdict for its next try."""
        ...

    async def clear(self, key: str) -> None:
        """Forget `key`: a success, or an administrator lifting a lock."""
        ...

    async def close(self) -> None: ...


@dataclass
class _State:
    failures: int
    until: float  # may try again at (clock seconds)
    locked_until: float
    expires: float


class LocalThrottle:
    """Counts in this process. Expired keys are dropped as they are met and in a
    sweep when more than `max_keys` are held; past that the oldest go first."""

    def __init__(self, max_keys: int = 100_000, clock: Any = time.monotonic) -> None:
        self._keys: dict[str, _State] = {}
        self._max_keys = max_keys
        self._clock = clock

    def _get(self, key: str, now: float) -> _State | None:
        state = self._keys.get(key)
        if state is not None and state.expires <= now:
            del self._keys[key]
            return None
        return state

    async def check(self, key: str) -> Verdict:
        now = self._clock()
        state = self._get(key, now)
        if state is None:
            return Verdict()
        return Verdict(
            state.failures, max(0.0, state.until - now), max(0.0, state.locked_until - now)
        )

    async def failure(self, key: str, limits: Limits) -> Verdict:
        now = self._clock()
        state = self._get(key, now) or _State(0, now, 0.0, now)
        self._keys.pop(key, None)  # re-inserted last: dict order is age order
        state.failures += 1
        delay = limits.delay_s(state.failures)
        state.until = now + delay
        newly = False
        if (
            limits.lock_after is not None
            and state.failures >= limits.lock_after
            and state.locked_until <= now
        ):
            state.locked_until, newly = now + limits.lock_s, True
        state.expires = now + max(limits.window_s, delay, state.locked_until - now)
        self._keys[key] = state
        if len(self._keys) > self._max_keys:
            self._sweep(now)
        return Verdict(state.failures, delay, max(0.0, state.locked_until - now), newly)

    def _sweep(self, now: float) -> None:
        for key in [k for k, s in self._keys.items() if s.expires <= now]:
            del self._keys[key]
        while len(self._keys) > self._max_keys:
            del self._keys[next(iter(self._keys))]

    async def clear(self, key: str) -> None:
        self._keys.pop(key, None)

    async def close(self) -> None:
        self._keys.clear()

    def __len__(self) -> int:
        return len(self._keys)


# Redis keys: <prefix><key>, a hash {n: failures, until: ms, locked: ms}, its TTL
# the key's window (or back-off, or lock, whichever is longest). Times are the
# Redis server's clock (TIME), so nodes with skewed clocks agree.
_FAILURE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, base, top = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local window, lock_after, lock_ms = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local delay = 0
if n > free then delay = math.min(top, base * 2 ^ math.min(n - free - 1, 60)) end
delay = math.floor(delay)
redis.call('HSET', KEYS[1], 'until', now + delay)
local locked = tonumber(redis.call('HGET', KEYS[1], 'locked') or '0')
local newly = 0
if lock_after > 0 and n >= lock_after and locked <= now then
  locked = now + lock_ms
  newly = 1
  redis.call('HSET', KEYS[1], 'locked', locked)
end
redis.call('PEXPIRE', KEYS[1], math.max(window, delay, locked - now, 1))
return {n, delay, math.max(locked - now, 0), newly}
"""
_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'n', 'until', 'locked')
local n, till, locked = tonumber(v[1] or '0'), tonumber(v[2] or '0'), tonumber(v[3] or '0')
return {n, math.max(till - now, 0), math.max(locked - now, 0)}
"""


class RedisThrottle:
    """Counts in Redis, shared by every node; each key expires on its own."""

    def __init__(self, url: str, prefix: str = "mh:throttle:") -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url)
        self._prefix = prefix
        self._failure = self._redis.register_script(_FAILURE)
        self._check = self._redis.register_script(_CHECK)

    async def check(self, key: str) -> Verdict:
        try:
            n, wait_ms, locked_ms = await self._check(keys=[self._prefix + key])
        except (RedisError, OSError) as exc:
            raise ThrottleUnavailable(str(exc)) from exc
        return Verdict(int(n), wait_ms / 1000, locked_ms / 1000)

    async def failure(self, key: str, limits: Limits) -> Verdict:
        args = [
            limits.free,
            math.ceil(limits.base_s * 1000),
            math.ceil(limits.max_s * 1000),
            math.ceil(limits.window_s * 1000),
            limits.lock_after or 0,
            math.ceil(limits.lock_s * 1000),
        ]
        try:
            n, wait_ms, locked_ms, newly = await self._failure(keys=[self._prefix + key], args=args)
        except (RedisError, OSError) as exc:
            raise ThrottleUnavailable(str(exc)) from exc
        return Verdict(int(n), wait_ms / 1000, locked_ms / 1000, bool(newly))

    async def clear(self, key: str) -> None:
        try:
            await self._redis.delete(self._prefix + key)
        except (RedisError, OSError) as exc:
            raise ThrottleUnavailable(str(exc)) from exc

    async def ttl_ms(self, key: str) -> int:
        """Milliseconds until `key` is forgotten (Redis PTTL: -2 when there is no such key)."""
        return int(await self._redis.pttl(self._prefix + key))

    async def close(self) -> None:
        await self._redis.aclose()
