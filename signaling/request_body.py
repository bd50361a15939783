"""Reading untrusted REST bodies: a JSON object, fields checked one by one; a bad
field is a DomainError (400 bad_request) naming it."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from rooms.domain import DomainError


async def body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DomainError("bad_request", "请求体必须是 JSON 对象 / body must be JSON") from None
    if not isinstance(data, dict):
        raise DomainError("bad_request", "请求体必须是 JSON 对象 / body must be a JSON object")
    return data


def text(data: dict[str, Any], key: str, *, max_len: int = 200, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise DomainError("bad_request", f"字段 {key} 无效 / field {key} must be a string")
    return value.strip()
