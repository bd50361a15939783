"""What every socket.io namespace of the hub does with a request before and after
its handler: a packet signaling.decoder refused is answered with why, the payload is
read and validated by the event's model, and every refusal or failure becomes an
error ack ({ok: false, error: {code, message}}) instead of a missing answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from media.errors import (
    InvalidSdpError,
    MediaError,
    TooManyProducersError,
    UnsupportedCodecError,
)
from rooms.errors import HubError
from signaling.decoder import BadInput
from signaling.models import Body, refusal
from signaling.room_messages import error_ack

logger = logging.getLogger(__name__)


def malformed_ack(rest: tuple[Any, ...]) -> dict[str, Any]:
    """The answer to a packet the decoder refused (its reason rides as the payload)."""
    detail = rest[0] if rest and isinstance(rest[0], dict) else {}
    return error_ack(
        str(detail.get("code", "bad_request")),
        str(detail.get("message", "请求格式错误 / malformed request")),
    )


def validate(model: type[Body], data: dict[str, Any]) -> Body:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(refusal(exc)) from None


async def answer(call: Callable[[], Awaitable[dict[str, Any]]], what: str) -> dict[str, Any]:
    """Run a handler; refusals and failures become error acks (`what` names it in logs)."""
    try:
        return await call()
    except HubError as exc:
        return error_ack(exc.code, exc.message)
    except UnsupportedCodecError as exc:
        return error_ack("unsupported_codec", str(exc))
    except InvalidSdpError as exc:
        return error_ack("invalid_sdp", str(exc))
    except TooManyProducersError as exc:
        return error_ack("too_many_producers", f"发布的媒体轨道过多 / {exc}")
    except MediaError as exc:  # InvalidStateError and the rest
        return error_ack("invalid_state", str(exc))
    except Exception:
        logger.exception("%s failed", what)
        return error_ack("internal", "服务器内部错误 / internal server error")


__all__ = ["answer", "malformed_ack", "validate"]
