"""GET /healthz (process up), /readyz (database reachable), /metrics (Prometheus
text, for a scraper holding the install's metrics token: Authorization: Bearer)."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from signaling.keys import CONFIG, DATABASE, LIVE_ROOMS, MEDIA_COUNTERS, METRICS_TOKEN

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
    redis_url = request.app[CONFIG].signaling.redis_url
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


def _metric(lines: list[str], name: str, kind: str, help_text: str, value: float) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    lines.append(f"{name} {value}")


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    expected = f"Bearer {request.app[METRICS_TOKEN]}".encode()
    given = request.headers.get("Authorization", "").encode("utf-8", "replace")
    if not hmac.compare_digest(given, expected):
        return web.json_response(
            {
                "error": {
                    "code": "token_missing",
                    "message": "需要监控令牌（数据目录中的 metrics.token）"
                    " / needs the metrics token (metrics.token in the data dir)",
                }
            },
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    live = request.app[LIVE_ROOMS]
    counters = request.app[MEDIA_COUNTERS]
    lines: list[str] = []
    _metric(lines, "hub_rooms", "gauge", "Live rooms on this node.", live.room_count)
    _metric(
        lines, "hub_participants", "gauge", "Participants in live rooms.", live.participant_count
    )
    _metric(lines, "hub_producers", "gauge", "Open producers.", counters.producers)
    _metric(lines, "hub_consumers", "gauge", "Open consumers.", counters.consumers)
    _metric(
        lines,
        "hub_forwarded_frames_total",
        "counter",
        "Encoded frames handed to consumers.",
        counters.forwarded_frames,
    )
    _metric(
        lines,
        "hub_forwarded_bytes_total",
        "counter",
        "Encoded bytes handed to consumers.",
        counters.forwarded_bytes,
    )
    _metric(
        lines,
        "hub_dropped_frames_total",
        "counter",
        "Frames dropped by consumers (overflow, waiting for a keyframe).",
        counters.dropped_frames,
    )
    _metric(
        lines,
        "hub_keyframe_requests_total",
        "counter",
        "Keyframe requests (PLI) sent upstream to producers.",
        counters.keyframe_requests,
    )
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain", charset="utf-8")


def setup(app: web.Application) -> None:
    app.add_routes(routes)
