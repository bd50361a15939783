"""Rate limits on the public endpoints, with the `limits` library.

Failed tries are counted per client address in a moving window; once a key has
used up its tries, the endpoint answers 429 `rate_limited` (with Retry-After)
without trying again until the oldest failure leaves the window. Counts live in
memory on one node, or in Redis when REDIS_URL is set, so N nodes give an
address the same N tries, not N times as many; Redis expires the keys with
their window (no key is kept for good).

    async with app[RATE_LIMITS].join_code.attempt(address):
        ...  # a HubError of the client's making (4xx but 429) counts as a failure
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from rooms.errors import HubError


class RateLimited(HubError):
    status = 429

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "rate_limited",
            f"尝试次数过多，请 {retry_after_s} 秒后再试 / too many tries, wait {retry_after_s} s",
        )
        self.retry_after_s = retry_after_s


class FailureLimit:
    """At most `item` failed tries per key (e.g. "10/10 minutes")."""

    def __init__(self, limiter: MovingWindowRateLimiter, name: str, item: RateLimitItem) -> None:
        self.limiter = limiter
        self.name = name
        self.item = item

    async def check(self, key: str) -> None:
        """RateLimited if `key` has no tries left."""
        if not await self.limiter.test(self.item, self.name, key):
            stats = await self.limiter.get_window_stats(self.item, self.name, key)
            raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))

    async def failed(self, key: str) -> None:
        await self.limiter.hit(self.item, self.name, key)

    @asynccontextmanager
    async def attempt(self, key: str) -> AsyncIterator[None]:
        await self.check(key)
        try:
            yield
        except HubError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                await self.failed(key)
            raise


@dataclass
class RateLimits:
    """The limits of this node's public endpoints (an AppKey)."""

    storage: Storage
    login: FailureLimit  # wrong passwords, per address
    join_code: FailureLimit  # wrong 6-digit codes, per address
    join_link: FailureLimit  # links that don't open a room (/api/v1/join/<token>), per address


def rate_limits(
    redis_url: str | None,
    *,
    login: str = "20/10 minutes",
    join_code: str = "10/10 minutes",
    join_link: str = "60/10 minutes",
    prefix: str = "mediation-hub",
) -> RateLimits:
    """In memory, or shared through Redis at `redis_url` (keys under `prefix`)."""
    storage: Storage
    if redis_url:
        uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
        storage = RedisStorage(uri, implementation="redispy", key_prefix=f"{prefix}:limits")
    else:
        storage = MemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    return RateLimits(
        storage,
        login=FailureLimit(limiter, "login", parse(login)),
        join_code=FailureLimit(limiter, "join-code", parse(join_code)),
        join_link=FailureLimit(limiter, "join-link", parse(join_link)),
    )


RATE_LIMITS: web.AppKey[RateLimits] = web.AppKey("rate_limits")

__all__ = ["RATE_LIMITS", "FailureLimit", "RateLimited", "RateLimits", "rate_limits"]
