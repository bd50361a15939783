"""One decoder for everything a client sends: REST bodies and socket.io packets.

`decode_json` turns text into plain JSON values or refuses it with `BadInput`
(a 400 over REST, an error ack over socket.io), whatever the text holds:
nesting deeper than MAX_DEPTH, integers longer than 15 digits (beyond what a
browser's numbers hold exactly), floats that aren't finite or are written with
more than 32 characters, NaN/Infinity, NUL characters and lone surrogates in
strings or keys. What is left is validated by the request's model
(signaling.models, signaling/api/, signaling/room_messages.py), which refuses
wrong types, empty strings and over-long values, naming the field.

socket.io packets are decoded by python-socketio before any handler of ours
runs; `HubPacket` (the server's `serializer`) decodes them with `decode_json`
and turns a packet it can't use (bad JSON, no event name, a reserved or
malformed event, bad binary attachments) into the event MALFORMED, so the
namespace answers it with an error ack like any other bad request.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from aiohttp import web
from socketio import packet as sio_packet

from signaling.errors import SignalingError

MAX_DEPTH = 32
MAX_INT_DIGITS = 15
MAX_FLOAT_CHARS = 32
MALFORMED = "\x00malformed"  # the event a packet we can't use becomes (see HubPacket)
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error", MALFORMED})

_SURROGATE = re.compile("[\ud800-\udfff]")


class BadInput(SignalingError):
    """Input refused at the edge: REST answers `status`, socket.io an error ack."""

    def __init__(self, message: str, code: str = "bad_request", status: int = 400) -> None:
        super().__init__(code, message, status)


def _bad(what: str) -> BadInput:
    return BadInput(f"请求内容无效（{what}）/ malformed request ({what})")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _bad("number too long")
    return int(text)


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_FLOAT_CHARS else math.inf
    if not math.isfinite(value):
        raise _bad("number out of range")
    return value


def _constant(text: str) -> Any:
    raise _bad(f"{text} is not JSON")


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise _bad("NUL character")
    if _SURROGATE.search(value):
        raise _bad("lone surrogate")


def check_plain(value: Any) -> Any:
    """Refuse values deeper than MAX_DEPTH and strings a database or an encoder
    would choke on (walks iteratively: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise _bad("nested too deeply")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return value


def decode_json(text: str | bytes) -> Any:
    """Parse untrusted JSON; BadInput for anything we won't carry further."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except BadInput:
        raise
    except RecursionError:
        raise _bad("nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise _bad("not JSON") from None
    return check_plain(value)


# -- REST (bodies: signaling.api.routing.read_body) --------------------------------------
def check_request_text(request: web.Request) -> None:
    """Path parameters and the query string carry no NUL or lone surrogate either."""
    try:
        for value in (*request.match_info.values(), *request.query.keys(), *request.query.values()):
            _check_text(value)
    except BadInput:
        raise BadInput("地址参数无效 / malformed URL parameter") from None


# -- socket.io -------------------------------------------------------------------------
def payload(args: tuple[Any, ...], max_bytes: int) -> dict[str, Any]:
    """The one JSON object a socket.io request carries ({} when none)."""
    if len(args) > 1:
        raise BadInput("请求只能带一个参数 / a request carries one object")
    data = args[0] if args else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInput("请求内容必须是对象 / payload must be a JSON object")
    try:
        size = len(json.dumps(check_plain(data), ensure_ascii=False).encode())
    except (TypeError, ValueError):  # binary attachments and the like
        raise BadInput("请求内容无法解析 / payload is not plain JSON") from None
    if size > max_bytes:
        raise BadInput(
            f"消息超过 {max_bytes} 字节 / message over {max_bytes} bytes", code="payload_too_large"
        )
    return data


def malformed(exc: BadInput) -> list[Any]:
    return [MALFORMED, {"code": exc.code, "message": exc.message}]


class _PacketJson:
    """python-socketio's `json` interface, decoding with decode_json."""

    @staticmethod
    def dumps(*args: Any, **kwargs: Any) -> str:
        return json.dumps(*args, **kwargs)

    @staticmethod
    def loads(text: str, **_: Any) -> Any:
        try:
            return decode_json(text)
        except BadInput as exc:
            return malformed(exc)


class HubPacket(sio_packet.Packet):  # type: ignore[misc]
    """socket.io packets decoded by decode_json; an event packet we can't use is
    delivered as MALFORMED (with its ack id), never dropped."""

    json = _PacketJson

    def decode(self, encoded_packet: Any) -> int:
        try:
            count: int = super().decode(encoded_packet)
        except ValueError:  # a header we can't frame (id, attachments): no ack id to answer
            self.packet_type, self.id, self.attachment_count = sio_packet.EVENT, None, 0
            self.data = malformed(_bad("unreadable packet"))
            return 0
        if self.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
            data: Any = self.data
            if not (isinstance(data, list) and data and isinstance(data[0], str)):
                self.data = malformed(_bad("no event name"))
            elif data[0] in RESERVED_EVENTS and data[0] != MALFORMED:
                self.data = malformed(_bad("reserved event name"))
        return count

    @classmethod
    def reconstruct_binary(cls, data: Any, attachments: list[Any]) -> Any:
        try:
            return super().reconstruct_binary(data, attachments)
        except (KeyError, IndexError, TypeError):
            return malformed(_bad("bad binary attachment"))
