"""Signaling's refusals: socket.io's (an error ack) and REST's error response."""

from __future__ import annotations

from aiohttp import web

from rooms.errors import HubError
from signaling.models import ErrorBody


class SignalingError(HubError):
    """Refuse a signaling request (an error ack; 400 over REST)."""


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    """A REST refusal: {"error": {"code", "message"}} (signaling.models.ErrorBody)."""
    body = ErrorBody.of(code, message).model_dump(mode="json")
    return web.json_response(body, status=status, headers=headers)


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
