"""What every request and answer model shares (pydantic v2): camelCase names on
the wire, strict types (no "5" for 5, no true for 1), bounded strings, the error
body, and the message a refused field gets.

Requests are decoded by signaling.decoder first (the hostile-JSON guard), then
validated by a model; REST routes (signaling/api/) and socket.io events
(signaling/room_messages.py) declare theirs, and /api/v1/openapi.json is
generated from them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """A JSON object on the wire: snake_case in Python, camelCase in JSON."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",  # unknown keys are ignored, as they always were
        frozen=True,
    )


class Body(Wire):
    """What a client sends: strict types (no "5" for 5, no true for 1)."""

    model_config = ConfigDict(strict=True)


class NoBody(Body):
    """The route reads no body."""


class NoQuery(BaseModel):
    """The route reads no query parameters."""


# Strings a person typed: trimmed, not empty, bounded.
Text16 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Text32 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Text40 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Text50 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# An id as sent (not trimmed).
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _blank_is_none(value: object) -> object:
    """A query parameter left empty ("?q=") is no filter."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _query_time(value: object) -> object:
    """An ISO 8601 time ("2026-11-27T00:00:00+08:00", or a date: UTC midnight)."""
    if not isinstance(value, str):
        return value
    raw = value.strip()
    if not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("应为 ISO 8601 时间 / must be an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# Query-string filters: trimmed, bounded, empty means absent.
QueryText16 = Annotated[
    Annotated[str, StringConstraints(max_length=16)] | None, BeforeValidator(_blank_is_none)
]
QueryText32 = Annotated[
    Annotated[str, StringConstraints(max_length=32)] | None, BeforeValidator(_blank_is_none)
]
QueryText40 = Annotated[
    Annotated[str, StringConstraints(max_length=40)] | None, BeforeValidator(_blank_is_none)
]
QueryText64 = Annotated[
    Annotated[str, StringConstraints(max_length=64)] | None, BeforeValidator(_blank_is_none)
]
QueryText100 = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(_blank_is_none)
]
QueryText200 = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(_blank_is_none)
]
QueryTime = Annotated[dt.datetime | None, BeforeValidator(_query_time)]


class Query(BaseModel):
    """Query parameters: text from the URL (numbers parsed), unknown keys ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class ErrorDetail(Wire):
    code: str
    message: str


class ErrorBody(Wire):
    """Every refusal: a stable machine-readable code and a message (Chinese first)."""

    error: ErrorDetail

    @classmethod
    def of(cls, code: str, message: str) -> ErrorBody:
        return cls(error=ErrorDetail(code=code, message=message))


class Done(Wire):
    ok: bool = True


def refusal(exc: ValidationError, where: str = "") -> str:
    """A human message for the first thing a model refused, naming the field."""
    first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    if not field:
        return f"请求内容无效 / malformed request: {first['msg']}"
    return f"{where}字段 {field} 无效 / {where}field {field}: {first['msg']}"


__all__ = [
    "Body",
    "Done",
    "ErrorBody",
    "ErrorDetail",
    "Id",
    "NoBody",
    "NoQuery",
    "Query",
    "QueryText16",
    "QueryText32",
    "QueryText40",
    "QueryText64",
    "QueryText100",
    "QueryText200",
    "QueryTime",
    "Text16",
    "Text32",
    "Text40",
    "Text50",
    "Text64",
    "Text100",
    "Text200",
    "Text500",
    "Wire",
    "refusal",
]
