"""A running GbPlatform on free ports, and a way to wait for its registry's events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from signaling.gb28181.platform import GbConfig, GbPlatform
from signaling.gb28181.registry import DeviceAccess

DEVICE = "34020000001320000001"
PASSWORD = "12345678"


class Events:
    """Every registry event, in order; wait() for the next one of a kind."""

    def __init__(self, platform: GbPlatform) -> None:
        self.seen: list[tuple[str, tuple[Any, ...]]] = []
        self._changed = asyncio.Event()
        for name in ("pending", "register", "unregister", "online", "offline", "catalog",
                     "channel", "session", "sessionend"):  # fmt: skip
            platform.registry.observer.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        def record(*args: Any) -> None:
            self.seen.append((name, args))
            self._changed.set()

        return record

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.seen if n == name)

    async def wait(self, name: str, *, count: int = 1, limit: float = 20.0) -> tuple[Any, ...]:
        async with asyncio.timeout(limit):
            while self.count(name) < count:
                self._changed.clear()
                await self._changed.wait()
        return [args for n, args in self.seen if n == name][count - 1]


def make_config(**kw: Any) -> GbConfig:
    config = GbConfig(
        sip_port=0, password=PASSWORD, keepalive_interval_s=1.0, keepalive_misses=3,
        monitor_interval_s=0.1, query_timeout_s=8.0, catalog_page_timeout_s=5.0,
    )  # fmt: skip
    for key, value in kw.items():
        setattr(config, key, value)
    return config


@pytest.fixture
async def platform() -> AsyncIterator[GbPlatform]:
    known = {DEVICE: DeviceAccess(True), "34020000001180000001": DeviceAccess(True, "nvr-pass")}
    gb = GbPlatform(make_config(), credentials=known.get)
    await gb.start()
    yield gb
    await gb.close()


@pytest.fixture
def events(platform: GbPlatform) -> Events:
    return Events(platform)
