"""Validation of untrusted request payloads at the edge."""

from __future__ import annotations

import json
from typing import Any

from signaling.errors import fail


def check_payload(args: tuple[Any, ...], max_bytes: int) -> dict[str, Any]:
    """The one JSON object a request carries ({} when none); refuse anything else."""
    if len(args) > 1:
        raise fail("bad_request", "请求只能带一个参数 / a request carries one object")
    data = args[0] if args else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail("bad_request", "请求内容必须是对象 / payload must be a JSON object")
    try:
        size = len(json.dumps(data, ensure_ascii=False, default=_unserialisable).encode())
    except (TypeError, ValueError, RecursionError):
        raise fail("bad_request", "请求内容无法解析 / payload is not plain JSON") from None
    if size > max_bytes:
        raise fail(
            "payload_too_large", f"消息超过 {max_bytes} 字节 / message over {max_bytes} bytes"
        )
    return data


def _unserialisable(value: object) -> Any:
    raise TypeError(type(value).__name__)  # binary attachments and the like


def get_str(
    data: dict[str, Any], name: str, *, required: bool = True, max_len: int = 200
) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise fail("bad_request", f"缺少字段 {name} / missing field {name}")
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise fail("bad_request", f"字段 {name} 无效 / field {name} must be a string")
    return value


def get_choice(
    data: dict[str, Any], name: str, choices: tuple[str, ...], *, required: bool = True
) -> str | None:
    value = get_str(data, name, required=required)
    if value is not None and value not in choices:
        raise fail("bad_request", f"字段 {name} 取值无效 / {name} must be one of {choices}")
    return value
