"""GET /healthz (process up), /readyz (database and Redis reachable); /metrics is
signaling.metrics."""

from __future__ import annotations

import logging

from aiohttp import web

from signaling.keys import DATABASE, SIGNALING

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        await request.app[DATABASE].ping()
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("readyz: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    redis_url = request.app[SIGNALING].redis_url
    if redis_url:
        checks["redis"] = "ok" if await _redis_ok(redis_url) else "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


async def _redis_ok(url: str) -> bool:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(await client.ping())
    except Exception as exc:
        logger.warning("readyz: redis unreachable: %s", exc)
        return False
    finally:
        await client.aclose()


def setup(app: web.Application) -> None:
    app.add_routes(routes)
