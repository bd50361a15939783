"""With REDIS_URL the socket.io fan-out goes through a real Redis server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from hub.app import build_app
from hub.config import Config
from tests.services import redis_server
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


async def test_room_notifications_flow_through_redis(
    aiohttp_server, hub_config: Config, redis_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    hub_config.signaling.redis_url = redis_url
    app = build_app(hub_config)
    server: TestServer = await aiohttp_server(app)
    hub = Hub(app=app, server=server)
    room = await hub.room()
    a = ProtocolClient(hub.url, hub.token(room, name="张三"))
    b = ProtocolClient(hub.url, hub.token(room, name="王五"))
    try:
        await a.connect()
        await b.connect()
        assert (await a.join())["ok"]
        assert (await b.join())["ok"]
        joined = await a.wait_event("participant-joined")
        assert joined["name"] == "王五"
        async with aiohttp.ClientSession() as http:
            async with http.get(hub.url + "readyz") as response:
                body = await response.json()
        assert response.status == 200 and body["checks"]["redis"] == "ok"
    finally:
        await a.close()
        await b.close()


async def test_readyz_reports_an_unreachable_redis(aiohttp_client, hub_config: Config) -> None:  # type: ignore[no-untyped-def]
    from tests.services import free_port

    hub_config.signaling.redis_url = f"redis://127.0.0.1:{free_port()}/0"
    client = await aiohttp_client(build_app(hub_config))
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"]["redis"] == "unreachable"
