from typing import Any

from aiohttp.test_utils import TestClient

from hub.app import build_app
from hub.config import Config


async def test_health_ready_and_metrics(aiohttp_client, hub_config: Config) -> None:
    client: TestClient = await aiohttp_client(build_app(hub_config))
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200, await ready.text()
    refused = await client.get("/metrics")
    assert refused.status == 401 and (await refused.json())["error"]["code"] == "token_missing"
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status == 401
    token = (hub_config.server.data_dir / "metrics.token").read_text().strip()
    assert oct((hub_config.server.data_dir / "metrics.token").stat().st_mode & 0o777) == "0o600"
    metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    body = await metrics.text()
    assert metrics.status == 200
    for name in (
        "hub_rooms",
        "hub_participants",
        "hub_producers",
        "hub_consumers",
        "hub_forwarded_frames_total",
        "hub_forwarded_bytes_total",
        "hub_keyframe_requests_total",
        "hub_received_packets_total",
        "hub_forwarded_packets_total",
        "hub_retransmitted_packets_total",
    ):
        assert f"\n{name} " in "\n" + body, name


async def test_token_secret_is_created_once_and_private(hub_config: Config) -> None:
    build_app(hub_config)
    path = hub_config.server.data_dir / "secret.key"
    first = path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    build_app(hub_config)
    assert path.read_text() == first


async def test_the_gb28181_platform_runs_only_when_configured(
    aiohttp_client: Any, hub_config: Config
) -> None:
    import asyncio

    from hub.cameras import GB_PLATFORM
    from tests.signaling.gb28181.raw import Client

    plain = await aiohttp_client(build_app(hub_config))
    assert GB_PLATFORM not in plain.app
    hub_config.gb28181.enabled, hub_config.gb28181.sip_port = True, 0  # serve --gb-sip-port 0
    client = await aiohttp_client(build_app(hub_config))
    sip = Client(client.app[GB_PLATFORM].port)
    # the platform answers on this test's loop: the blocking client waits in a thread
    assert await asyncio.to_thread(sip.status, sip.request("OPTIONS")) == 200
