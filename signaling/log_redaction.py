"""The access log without secrets: a join link's token (/join/<token>,
/api/v1/join/<token>) and a short link's code (/j/<code>, /api/v1/j/<code>) are
bearer credentials; the access log writes `/join/…` instead, in the request line
and in a Referer. Used as aiohttp's access_log_class (hub/cmd_serve.py)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

REDACTED = "…"
# a path segment that is a credential, after one of these prefixes
_SECRET = re.compile(r"(/(?:api/v1/)?(?:join|j|J)/)(?!qr\.png)[^/?#\s\"]+")


def redact(text: str) -> str:
    """`text` (a path, a URL, a request line) with tokens and codes cut out."""
    return _SECRET.sub(lambda m: m.group(1) + REDACTED, text)


class _RedactedRequest:
    """What the access log reads of a request, with credentials cut out."""

    def __init__(self, request: BaseRequest) -> None:
        self._request = request

    @property
    def path(self) -> str:
        return redact(self._request.path)

    @property
    def path_qs(self) -> str:
        return redact(self._request.path_qs)

    @property
    def headers(self) -> dict[str, str]:
        return {k: redact(v) for k, v in self._request.headers.items()}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class RedactingAccessLogger(AbstractAccessLogger):
    """aiohttp's access logger (same format), over a request whose path and
    headers have their credentials cut out."""

    def __init__(self, logger: Any, log_format: str) -> None:
        super().__init__(logger, log_format)
        self._inner = AccessLogger(logger, log_format)

    @property
    def enabled(self) -> bool:
        return self._inner.enabled

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self._inner.log(_RedactedRequest(request), response, time)  # type: ignore[arg-type]
