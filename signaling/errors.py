"""Signaling errors and the ack shapes every request gets."""

from __future__ import annotations

from typing import Any

from rooms.errors import HubError


class SignalingError(HubError):
    """Refuse a signaling request (an error ack; 400 over REST)."""


def ok(result: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"ok": True, **(result or {})}


def error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


# Human messages: Chinese first, then English. The pages show their own
# translation of `code`; these are for logs, API users and fallbacks.
MESSAGES: dict[str, str] = {
    "bad_request": "请求格式错误 / malformed request",
    "payload_too_large": "消息过大 / message too large",
    "unknown_event": "未知的请求 / unknown request",
    "not_joined": "尚未加入调解室 / not in a room",
    "already_joined": "已在调解室中 / already in the room",
    "room_not_found": "调解室不存在 / no such room",
    "room_ended": "调解室已结束 / the room has ended",
    "forbidden": "无权执行此操作 / not allowed",
    "not_found": "对象不存在 / not found",
    "invalid_sdp": "媒体协商信息无效 / invalid session description",
    "unsupported_codec": "不支持的编码 / unsupported codec (VP8, H.264, Opus)",
    "invalid_state": "当前状态不允许此操作 / not allowed in the current state",
    "removed": "您已被移出调解室 / you were removed from this room",
    "consent_missing": "有当事人尚未同意录制 / a party has not consented to recording",
    "internal": "服务器内部错误 / internal server error",
}


def fail(code: str, message: str | None = None) -> SignalingError:
    return SignalingError(code, message or MESSAGES.get(code, code))
