"""Field readers for the camera socket events (signaling.room_camera_events,
signaling.room_cameras): a request's fields read one by one, each refusal a
BadInput naming the field (the event's model in signaling.room_messages came first)."""

from __future__ import annotations

from typing import Any

from signaling.decoder import BadInput


def text(
    data: dict[str, Any],
    key: str,
    *,
    max_len: int = 200,
    required: bool = True,
    strip: bool = True,
) -> str:
    """A non-empty string of at most max_len characters ("" when optional and absent)."""
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise BadInput(f"字段 {key} 无效 / field {key} must be a string (1-{max_len})")
    return value.strip() if strip else value


def integer(data: dict[str, Any], key: str, *, default: int, low: int, high: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(
            f"字段 {key} 须为 {low}–{high} 的整数 / {key} must be an integer {low}-{high}"
        )
    return value


def flag(data: dict[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise BadInput(f"字段 {key} 须为布尔值 / {key} must be true or false")
    return value
