"""Reading untrusted query strings: an integer in a range, an ISO 8601 time; a bad
value is a DomainError (400 bad_request) naming the parameter."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from rooms.domain import DomainError


def query_time(request: web.Request, key: str) -> dt.datetime | None:
    """An ISO 8601 time from the query string ("2026-11-27T00:00:00+08:00", or a date,
    taken as UTC midnight); None when absent."""
    raw = request.query.get(key, "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(
            "bad_request", f"参数 {key} 应为 ISO 8601 时间 / {key} must be an ISO 8601 time"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def query_int(request: web.Request, key: str, default: int, top: int) -> int:
    try:
        value = int(request.query.get(key, default))
    except ValueError:
        raise DomainError(
            "bad_request", f"参数 {key} 必须是整数 / {key} must be an integer"
        ) from None
    if not 1 <= value <= top:
        raise DomainError("bad_request", f"参数 {key} 超出范围 / {key} out of range")
    return value
