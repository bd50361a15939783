"""Public endpoints take at most `signaling.public_rate` requests per client
address (the `limits` library): in memory on one node, shared by every node
through Redis, and answered 429 with Retry-After past the cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from hub.app import build_app
from hub.config import Config
from tests.services import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


async def _login(client: TestClient) -> tuple[int, dict[str, Any], str | None]:
    response = await client.post("/api/v1/login", json={"username": "x", "password": "wrong"})
    return response.status, await response.json(), response.headers.get("Retry-After")


async def test_a_public_endpoint_is_capped_per_address(
    aiohttp_client: Any, hub_config: Config
) -> None:
    hub_config.signaling.public_rate = "3/minute"
    hub_config.signaling.login_free_failures_address = 100  # the guessing guard stays out
    hub_config.signaling.login_free_failures_account = 100
    client: TestClient = await aiohttp_client(build_app(hub_config))
    for _ in range(3):
        status, body, _ = await _login(client)
        assert status == 401 and body["error"]["code"] == "bad_credentials"
    status, body, retry = await _login(client)
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert retry is not None and 1 <= int(retry) <= 60
    # another endpoint has its own count; a signed-in route has none
    for _ in range(3):
        assert (await client.get("/api/v1/join/not-a-token")).status == 401
    capped = await client.get("/api/v1/join/not-a-token")
    assert capped.status == 429 and "Retry-After" in capped.headers
    assert (await client.get("/api/v1/me")).status == 401  # token_missing, not capped


@pytest.mark.services
async def test_nodes_share_the_cap_through_redis(
    aiohttp_client: Any, hub_config: Config, redis_url: str
) -> None:
    hub_config.signaling.redis_url = redis_url
    hub_config.signaling.public_rate = "3/minute"
    hub_config.signaling.login_free_failures_address = 100
    hub_config.signaling.login_free_failures_account = 100
    first: TestClient = await aiohttp_client(build_app(hub_config))
    other = hub_config.model_copy(deep=True)
    other.server.data_dir = hub_config.server.data_dir.parent / "node-b"
    other.database.url = hub_config.database_url  # one database for both nodes
    second: TestClient = await aiohttp_client(build_app(other))
    assert (await _login(first))[0] == 401
    assert (await _login(second))[0] == 401
    assert (await _login(first))[0] == 401
    status, body, _ = await _login(second)  # the fourth try from this address, on node B
    assert status == 429 and body["error"]["code"] == "rate_limited"
