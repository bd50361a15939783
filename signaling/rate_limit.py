"""Request-rate caps on the public endpoints, with the `limits` library.

Every endpoint a client reaches without a login (POST /login, POST /join-code,
GET /api/v1/join/<token>, GET /j/<code>) takes at most `public_rate` requests per
client address (a moving window); past that it answers 429 `rate_limited` with
Retry-After. Counts live in memory on one node, or in Redis when REDIS_URL is
set, so N nodes give an address the same cap, not N times as much; Redis expires
each key with its window.

This is a flood guard, not the guessing guard: wrong passwords and codes are
counted by signaling.throttle, which backs off exponentially and locks accounts
(with an administrator's unlock), which `limits` does not do.
"""

from __future__ import annotations

import math
import time

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from rooms.errors import HubError

TOO_MANY = "尝试次数过多，请 {s} 秒后再试 / too many tries: wait {s} s"


class RateLimited(HubError):
    """429 with a Retry-After of `retry_after_s` (whole seconds, at least 1)."""

    status = 429

    def __init__(
        self, retry_after_s: float, code: str = "rate_limited", message: str | None = None
    ) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(code, message or TOO_MANY.format(s=seconds))
        self.retry_after_s = seconds


class PublicRateLimit:
    """At most `item` requests per client address, per endpoint (an AppKey)."""

    def __init__(self, storage: Storage, item: RateLimitItem) -> None:
        self.storage = storage
        self.item = item
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, endpoint: str, address: str) -> None:
        """Count one request; RateLimited once the address used up its cap."""
        if not await self._limiter.hit(self.item, endpoint, address):
            stats = await self._limiter.get_window_stats(self.item, endpoint, address)
            raise RateLimited(stats.reset_time - time.time())


def public_rate_limit(
    redis_url: str | None, rate: str, *, prefix: str = "mh:limits"
) -> PublicRateLimit:
    """In memory, or shared through Redis at `redis_url` (keys under `prefix`)."""
    storage: Storage
    if redis_url:
        uri = redis_url if redis_url.startswith("async+") else "async+" + redis_url
        storage = RedisStorage(uri, implementation="redispy", key_prefix=prefix)
    else:
        storage = MemoryStorage()
    return PublicRateLimit(storage, parse(rate))


RATE_LIMIT: web.AppKey[PublicRateLimit] = web.AppKey("public_rate_limit")

__all__ = ["RATE_LIMIT", "PublicRateLimit", "RateLimited", "public_rate_limit"]
