"""SIP messages (RFC 3261) as GB/T 28181 uses them: parse, build, serialise. Pure.

Everything that arrives is untrusted: `parse_message` raises `SipParseError`
(with the status to answer, 400 or 413) for anything malformed, and limits
sizes. `SipStreamFramer` cuts a TCP byte stream into messages by Content-Length.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

MAX_MESSAGE = 1 << 20  # 1 MiB: a catalogue page is a few KB; more is abuse
MAX_HEADERS = 128
SIP_VERSION = "SIP/2.0"

COMPACT = {
    "v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
    "l": "content-length", "c": "content-type", "k": "supported", "s": "subject",
    "e": "content-encoding", "o": "event",
}  # fmt: skip
CANONICAL = {
    "call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate",
    "max-forwards": "Max-Forwards", "content-type": "Content-Type",
    "content-length": "Content-Length", "user-agent": "User-Agent", "x-gb-ver": "X-GB-Ver",
}  # fmt: skip

REASONS = {
    100: "Trying", 180: "Ringing", 200: "OK", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    413: "Request Entity Too Large", 415: "Unsupported Media Type", 420: "Bad Extension",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    486: "Busy Here", 488: "Not Acceptable Here", 500: "Server Internal Error",
    501: "Not Implemented", 503: "Service Unavailable",
}  # fmt: skip

_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")


class SipParseError(ValueError):
    """A message that can't be understood; `status` is what to answer (400, 413)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def canonical_name(name: str) -> str:
    lower = name.strip().lower()
    lower = COMPACT.get(lower, lower)
    return CANONICAL.get(lower, "-".join(p.capitalize() for p in lower.split("-")))


@dataclass
class SipMessage:
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def get(self, name: str, default: str | None = None) -> str | None:
        want = canonical_name(name)
        for key, value in self.headers:
            if key == want:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        want = canonical_name(name)
        return [v for k, v in self.headers if k == want]

    def set(self, name: str, value: str) -> None:
        want = canonical_name(name)
        for i, (key, _) in enumerate(self.headers):
            if key == want:
                self.headers[i] = (want, value)
                return
        self.headers.append((want, value))

    def add(self, name: str, value: str) -> None:
        self.headers.append((canonical_name(name), value))

    def remove(self, name: str) -> None:
        want = canonical_name(name)
        self.headers = [(k, v) for k, v in self.headers if k != want]

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = (self.get("CSeq") or "").partition(" ")
        return int(number), method.strip().upper()

    @property
    def from_tag(self) -> str | None:
        return header_params(self.get("From") or "").get("tag")

    @property
    def to_tag(self) -> str | None:
        return header_params(self.get("To") or "").get("tag")

    @property
    def branch(self) -> str | None:
        via = self.get("Via")
        return header_params(via).get("branch") if via else None

    def _head_lines(self) -> list[str]:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        self.set("Content-Length", str(len(self.body)))
        lines = self._head_lines() + [f"{k}: {v}" for k, v in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


@dataclass
class SipRequest(SipMessage):
    method: str = ""
    uri: str = ""

    def _head_lines(self) -> list[str]:
        return [f"{self.method} {self.uri} {SIP_VERSION}"]

    def __repr__(self) -> str:
        return f"SipRequest({self.method} {self.uri} call-id={self.call_id})"


@dataclass
class SipResponse(SipMessage):
    status: int = 200
    reason: str = "OK"

    def _head_lines(self) -> list[str]:
        return [f"{SIP_VERSION} {self.status} {self.reason}"]

    def __repr__(self) -> str:
        return f"SipResponse({self.status} {self.reason} call-id={self.call_id})"


def parse_message(data: bytes) -> SipRequest | SipResponse:
    """One SIP message; raises SipParseError for anything malformed."""
    if len(data) > MAX_MESSAGE:
        raise SipParseError("message too large", 413)
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
        if not sep:
            raise SipParseError("no end of headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("gb18030", errors="replace")  # some devices: GBK display names
    lines = text.replace("\r\n", "\n").split("\n")
    start = lines[0].strip()
    message: SipRequest | SipResponse
    if start.startswith("SIP/"):
        version, _, rest = start.partition(" ")
        code, _, reason = rest.partition(" ")
        if version.upper() != SIP_VERSION or not code.isdigit() or not 100 <= int(code) <= 699:
            raise SipParseError(f"bad status line: {start[:80]!r}")
        message = SipResponse(status=int(code), reason=reason.strip())
    else:
        parts = start.split(" ")
        if len(parts) != 3 or parts[2].upper() != SIP_VERSION or not _TOKEN.match(parts[0]):
            raise SipParseError(f"bad request line: {start[:80]!r}")
        if ":" not in parts[1]:
            raise SipParseError("bad request URI")
        message = SipRequest(method=parts[0].upper(), uri=parts[1])
    name: str | None = None
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t":  # folded continuation
            if name is None:
                raise SipParseError("continuation before any header")
            key, value = message.headers[-1]
            message.headers[-1] = (key, value + " " + line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name.strip()):
            raise SipParseError(f"bad header line: {line[:80]!r}")
        message.headers.append((canonical_name(name), value.strip()))
        if len(message.headers) > MAX_HEADERS:
            raise SipParseError("too many headers")
    for required in ("Via", "From", "To", "Call-ID", "CSeq"):
        if not message.get(required):
            raise SipParseError(f"missing {required}")
    try:
        number, method = message.cseq
    except ValueError:
        raise SipParseError("bad CSeq") from None
    if not method or number < 0 or number >= 2**31:
        raise SipParseError("bad CSeq")
    if isinstance(message, SipRequest) and method != message.method:
        raise SipParseError("CSeq method differs from the request method")
    length_text = message.get("Content-Length")
    if length_text is not None:
        if not length_text.isdigit():
            raise SipParseError("bad Content-Length")
        length = int(length_text)
        if length > len(body):
            raise SipParseError("body shorter than Content-Length")
        body = body[:length]
    message.body = body
    return message


class SipStreamFramer:
    """Cuts a TCP stream into messages (Content-Length is mandatory over TCP)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        while True:
            while self._buf[:2] == b"\r\n":  # keep-alive CRLFs between messages
                del self._buf[:2]
            end = self._buf.find(b"\r\n\r\n")
            if end == -1:
                if len(self._buf) > MAX_MESSAGE:
                    raise SipParseError("header section too large", 413)
                return out
            head = bytes(self._buf[:end])
            match = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$", head)
            if match is None:
                raise SipParseError("no Content-Length on a stream transport")
            total = end + 4 + int(match.group(1))
            if total > MAX_MESSAGE:
                raise SipParseError("message too large", 413)
            if len(self._buf) < total:
                return out
            out.append(bytes(self._buf[:total]))
            del self._buf[:total]


# -- header values -------------------------------------------------------------------------
def header_params(value: str) -> dict[str, str]:
    """The ;name=value parameters after a header's main value (outside <...>)."""
    depth_free = value
    if ">" in value:
        depth_free = value[value.rindex(">") + 1 :]
    params: dict[str, str] = {}
    for part in depth_free.split(";")[1 if ">" not in value else 0 :]:
        name, _, val = part.strip().partition("=")
        if name:
            params[name.lower()] = val.strip().strip('"')
    return params


def name_addr_uri(value: str) -> str:
    """The URI of a From/To/Contact value: inside <...>, else up to the first ';'."""
    if "<" in value and ">" in value:
        return value[value.index("<") + 1 : value.index(">")].strip()
    return value.split(";", 1)[0].strip()


def uri_user(uri: str) -> str:
    """The user part of sip:user@host (the GB/T 28181 20-digit id)."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    return rest.split("@", 1)[0] if "@" in rest else ""


def uri_host_port(uri: str) -> tuple[str, int | None]:
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    host = rest.split("@", 1)[-1].split(";", 1)[0]
    if host.count(":") == 1:
        name, port = host.split(":")
        return name, int(port) if port.isdigit() else None
    return host, None


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(10)}@{host}"


def make_response(
    request: SipRequest,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> SipResponse:
    """A response that copies what RFC 3261 8.2.6 says to copy."""
    response = SipResponse(status=status, reason=reason or REASONS.get(status, "Unknown"))
    for via in request.get_all("Via"):
        response.add("Via", via)
    response.add("From", request.get("From") or "")
    to = request.get("To") or ""
    if status > 100 and "tag=" not in to.split(">")[-1]:
        to += f";tag={to_tag or new_tag()}"
    response.add("To", to)
    response.add("Call-ID", request.call_id)
    response.add("CSeq", request.get("CSeq") or "")
    for name, value in headers or []:
        response.add(name, value)
    if content_type:
        response.add("Content-Type", content_type)
    response.body = body
    return response
