"""Contract suite of signaling.throttle: the same tests against the in-process
implementation and against a real redis-server (two clients = two nodes)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from signaling.throttle import (
    Limits,
    LocalThrottle,
    RedisThrottle,
    Throttle,
    ThrottleUnavailable,
)
from tests.services import free_port, redis_server

_prefixes = itertools.count()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@dataclass
class Nodes:
    a: Throttle
    b: Throttle  # another node: the same store (Redis) or the same object (local)


@pytest.fixture(params=["local", "redis"])
async def nodes(request: pytest.FixtureRequest) -> AsyncIterator[Nodes]:
    if request.param == "local":
        local = LocalThrottle()
        yield Nodes(local, local)
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"test{next(_prefixes)}:"  # a prefix of its own per test
    a, b = RedisThrottle(url, prefix), RedisThrottle(url, prefix)
    yield Nodes(a, b)
    await a.close()
    await b.close()


async def test_free_failures_then_doubling_back_off(nodes: Nodes) -> None:
    limits = Limits(free=3, base_s=2.0, max_s=16.0)
    for n in range(1, 4):
        verdict = await nodes.a.failure("k", limits)
        assert verdict.failures == n and verdict.allowed
    assert (await nodes.b.check("k")).allowed
    waits = [(await nodes.a.failure("k", limits)).retry_after_s for _ in range(5)]
    assert waits == [2.0, 4.0, 8.0, 16.0, 16.0]  # doubles, then capped
    seen = await nodes.b.check("k")  # the other node sees the same count and wait
    assert not seen.allowed and seen.failures == 8 and 15.0 < seen.retry_after_s <= 16.0
    assert (await nodes.b.check("other")).allowed  # keys are independent
    await nodes.b.clear("k")
    assert (await nodes.a.check("k")) == (await nodes.a.check("never-seen"))


async def test_back_off_ends_by_itself(nodes: Nodes) -> None:
    limits = Limits(free=1, base_s=0.3)
    await nodes.a.failure("k", limits)
    blocked = await nodes.a.failure("k", limits)
    assert not blocked.allowed
    await asyncio.sleep(blocked.retry_after_s + 0.05)  # the behaviour under test is time
    assert (await nodes.b.check("k")).allowed


async def test_lock_after_repeated_failures_until_lifted(nodes: Nodes) -> None:
    limits = Limits(free=100, lock_after=4, lock_s=3600)
    verdicts = [await nodes.a.failure("acct", limits) for _ in range(5)]
    assert [v.newly_locked for v in verdicts] == [False, False, False, True, False]
    check = await nodes.b.check("acct")
    assert not check.allowed and 3590 < check.locked_s <= 3600
    await nodes.b.clear("acct")  # an administrator lifts the lock
    after = await nodes.a.check("acct")
    assert after.allowed and after.failures == 0


async def test_keys_are_forgotten(nodes: Nodes) -> None:
    limits = Limits(free=0, base_s=0.1, window_s=0.3)
    await nodes.a.failure("k", limits)
    assert (await nodes.a.check("k")).failures == 1
    await asyncio.sleep(0.4)
    assert (await nodes.b.check("k")).failures == 0


async def test_concurrent_failures_all_count(nodes: Nodes) -> None:
    limits = Limits(free=1000)
    await asyncio.gather(
        *(node.failure("k", limits) for node in (nodes.a, nodes.b) for _ in range(50))
    )
    assert (await nodes.a.check("k")).failures == 100


async def test_redis_keys_carry_a_ttl(redis_url: str) -> None:
    throttle = RedisThrottle(redis_url, f"ttl{next(_prefixes)}:")
    try:
        await throttle.failure("k", Limits(free=1, window_s=60, lock_after=2, lock_s=600))
        assert 59_000 < await throttle.ttl_ms("k") <= 60_000
        await throttle.failure("k", Limits(free=1, window_s=60, lock_after=2, lock_s=600))
        assert 599_000 < await throttle.ttl_ms("k") <= 600_000  # kept as long as the lock
        assert await throttle.ttl_ms("missing") == -2
    finally:
        await throttle.close()


async def test_an_unreachable_redis_is_a_clear_error() -> None:
    throttle = RedisThrottle(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(ThrottleUnavailable):
            await throttle.check("k")
        with pytest.raises(ThrottleUnavailable):
            await throttle.failure("k", Limits(free=1))
    finally:
        await throttle.close()


async def test_local_throttle_holds_a_bounded_number_of_keys() -> None:
    throttle = LocalThrottle(max_keys=100)
    for i in range(1000):
        await throttle.failure(f"user{i}", Limits(free=5))
    assert len(throttle) <= 100
    assert (await throttle.check("user999")).failures == 1  # the newest are kept
