"""A small SIP user agent core: UDP and TCP on one port, transactions, no dialogs.

What GB/T 28181's upper platform needs and no more: requests in (answered once;
a retransmission gets the same answer again), requests out (retransmitted over
UDP with RFC 3261's T1/T2 timers until a final response or a timeout), and
replies to garbage: a message that fails to parse is answered 400 (413 when too
large) if it looks like a request with enough headers to address a response,
and dropped otherwise. Nothing a peer sends can raise out of here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signaling.gb28181.registry import Peer
from signaling.gb28181.sip_message import (
    REASONS,
    SipMessage,
    SipParseError,
    SipRequest,
    SipResponse,
    SipStreamFramer,
    make_response,
    new_tag,
    parse_message,
)

logger = logging.getLogger(__name__)

T1 = 0.5
T2 = 4.0
RESPONSE_CACHE_S = 32.0
RESPONSE_CACHE_MAX = 20000  # a flood of distinct requests evicts the oldest answers
MAX_TCP_CONNECTIONS = 4096

RequestHandler = Callable[[SipRequest, Peer], Any]


class SipTimeout(Exception):
    """No final response in time."""


@dataclass
class SipStats:
    received: int = 0
    sent: int = 0
    malformed: int = 0  # messages that failed to parse
    answered_malformed: int = 0  # of which we could answer (400/413)
    retransmissions_in: int = 0  # requests answered from the cache
    handler_errors: int = 0  # our own bugs, answered 500


class SipUserAgent:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        on_request: RequestHandler,
        transports: tuple[str, ...] = ("udp", "tcp"),
        user_agent: str = "mediation-hub",
        on_connection_lost: Callable[[Peer], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.transports = transports
        self.user_agent = user_agent
        self.stats = SipStats()
        self._on_request = on_request
        self._on_connection_lost = on_connection_lost
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp_server: asyncio.Server | None = None
        self._tcp: dict[tuple[str, int], asyncio.Transport] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[SipResponse]] = {}
        # a request's identity for retransmissions: who sent it, Call-ID, CSeq, branch
        self._answered: dict[tuple[str, str, str, str], tuple[float, bytes]] = {}
        self._in_progress: set[tuple[str, str, str, str]] = set()
        self._late_response: Callable[[SipResponse, Peer], None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen. With port 0, UDP picks a free port and TCP takes the same number;
        if that number is taken for TCP, try another (a few times)."""
        if self.port != 0:
            await self._listen()
            return
        for attempt in range(10):
            self.port = 0
            try:
                await self._listen()
                return
            except OSError:
                if self._udp is not None:
                    self._udp.close()
                    self._udp = None
                if attempt == 9:
                    raise

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        if "udp" in self.transports:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(self.host, self.port)
            )
            self.port = int(self._udp.get_extra_info("socket").getsockname()[1])
        if "tcp" in self.transports:
            self._tcp_server = await loop.create_server(
                lambda: _Tcp(self), self.host, self.port, backlog=128
            )
            self.port = int(self._tcp_server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(SipTimeout("closed"))
        if self._udp is not None:
            self._udp.close()
        for transport in list(self._tcp.values()):
            transport.close()
        if self._tcp_server is not None:
            self._tcp_server.close()
            await self._tcp_server.wait_closed()
        for task in list(self._tasks):
            task.cancel()

    def on_late_response(self, handler: Callable[[SipResponse, Peer], None]) -> None:
        """Responses that match no transaction (e.g. a 200 to INVITE retransmitted
        because our ACK was lost): the dialog layer decides."""
        self._late_response = handler

    # -- sending ---------------------------------------------------------------------------
    def via(self, transport: str, branch: str) -> str:
        return f"SIP/2.0/{transport.upper()} {self.host}:{self.port};rport;branch={branch}"

    def send(self, message: SipMessage, peer: Peer) -> bool:
        data = message.to_bytes()
        if peer.transport == "tcp":
            connection = self._tcp.get((peer.host, peer.port))
            if connection is None or connection.is_closing():
                logger.info("sip: no TCP connection to %s", peer)
                return False
            connection.write(data)
        elif self._udp is not None:
            self._udp.sendto(data, (peer.host, peer.port))
        else:
            return False
        self.stats.sent += 1
        return True

    async def request(self, request: SipRequest, peer: Peer, *, limit: float = 8.0) -> SipResponse:
        """Send and wait for the final response (retransmitting over UDP)."""
        branch = request.branch or ""
        key = (branch, request.cseq[1])
        future: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        deadline = time.monotonic() + limit
        interval = T1
        try:
            if not self.send(request, peer):
                raise SipTimeout(f"cannot reach {peer}")
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SipTimeout(f"no final response to {request.method} from {peer}")
                wait = remaining if peer.transport == "tcp" else min(interval, remaining)
                try:
                    return await asyncio.wait_for(asyncio.shield(future), wait)
                except TimeoutError:
                    if peer.transport == "udp" and not getattr(future, "provisional", False):
                        self.send(request, peer)
                        interval = min(interval * 2, T2)
        finally:
            self._pending.pop(key, None)

    def respond(self, request: SipRequest, response: SipResponse, peer: Peer) -> None:
        vias = response.get_all("Via")
        if vias:  # RFC 3261 18.2.1 received=, RFC 3581 rport=: where it really came from
            response.remove("Via")
            response.add("Via", stamp_via(vias[0], peer))
            for via in vias[1:]:
                response.add("Via", via)
            # keep Via first, as it was
            response.headers.sort(key=lambda header: header[0] != "Via")
        if self.user_agent and not response.get("User-Agent"):
            response.add("User-Agent", self.user_agent)
        if response.status >= 200:
            self._answered[_request_key(request, peer)] = (time.monotonic(), response.to_bytes())
        self.send(response, peer)

    # -- receiving -------------------------------------------------------------------------
    def _datagram(self, data: bytes, peer: Peer) -> None:
        if not data.strip():
            return  # keep-alive CRLFs
        self.stats.received += 1
        try:
            message = parse_message(data)
        except SipParseError as error:
            self._malformed(data, peer, error)
            return
        self._dispatch(message, peer)

    def _dispatch(self, message: SipRequest | SipResponse, peer: Peer) -> None:
        if isinstance(message, SipResponse):
            future = self._pending.get((message.branch or "", message.cseq[1]))
            if future is None or future.done():
                if self._late_response is not None:
                    self._late_response(message, peer)
                return
            if message.status < 200:
                future.provisional = True  # type: ignore[attr-defined]
                return
            future.set_result(message)
            return
        self._expire_answers()
        key = _request_key(message, peer)
        cached = self._answered.get(key)
        if message.method != "ACK" and (cached is not None or key in self._in_progress):
            self.stats.retransmissions_in += 1
            if cached is not None:
                self._send_raw(cached[1], peer)
            return
        try:
            result = self._on_request(message, peer)
            if asyncio.iscoroutine(result):
                self._in_progress.add(key)
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(lambda t: self._handled(t, message, peer, key))
        except Exception:
            self._handler_failed(message, peer)

    def _handled(
        self,
        task: asyncio.Task[Any],
        request: SipRequest,
        peer: Peer,
        key: tuple[str, str, str, str],
    ) -> None:
        self._tasks.discard(task)
        self._in_progress.discard(key)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sip handler failed", exc_info=task.exception())
            self._handler_failed(request, peer)

    def _handler_failed(self, request: SipRequest, peer: Peer) -> None:
        logger.exception("sip: handling %r failed", request)
        self.stats.handler_errors += 1
        if request.method != "ACK":
            self.respond(request, make_response(request, 500), peer)

    def _send_raw(self, data: bytes, peer: Peer) -> None:
        if peer.transport == "tcp":
            connection = self._tcp.get((peer.host, peer.port))
            if connection is not None:
                connection.write(data)
        elif self._udp is not None:
            self._udp.sendto(data, (peer.host, peer.port))

    def _expire_answers(self) -> None:
        if len(self._answered) < 256:
            return
        cutoff = time.monotonic() - RESPONSE_CACHE_S
        for key in [k for k, (t, _) in self._answered.items() if t < cutoff]:
            del self._answered[key]
        while len(self._answered) > RESPONSE_CACHE_MAX:  # oldest first (insertion order)
            del self._answered[next(iter(self._answered))]

    def _malformed(self, data: bytes, peer: Peer, error: SipParseError) -> None:
        """Answer 400/413 when the request line and the addressing headers can be
        read; otherwise drop it (a response can't be sent nowhere)."""
        self.stats.malformed += 1
        logger.info("sip: malformed message from %s: %s", peer, error.reason)
        response = lenient_error_response(data, error)
        if response is not None:
            self.stats.answered_malformed += 1
            self._send_raw(response, peer)

    # -- TCP connections -----------------------------------------------------------------
    def _tcp_opened(self, peer: Peer, transport: asyncio.Transport) -> bool:
        if len(self._tcp) >= MAX_TCP_CONNECTIONS:
            return False
        self._tcp[(peer.host, peer.port)] = transport
        return True

    def _tcp_closed(self, peer: Peer, transport: asyncio.Transport) -> None:
        if self._tcp.get((peer.host, peer.port)) is transport:
            del self._tcp[(peer.host, peer.port)]
            if self._on_connection_lost is not None:
                try:
                    self._on_connection_lost(peer)
                except Exception:
                    logger.exception("sip: connection-lost handler failed")


def stamp_via(via: str, peer: Peer) -> str:
    """The top Via with received= (the source address) and rport=<port> when asked."""
    parts = [p.strip() for p in via.split(";")]
    out = [parts[0]]
    for part in parts[1:]:
        name = part.split("=", 1)[0].lower()
        if name == "rport":
            out.append(f"rport={peer.port}")
        elif name != "received":
            out.append(part)
    out.append(f"received={peer.host}")
    return ";".join(out)


def _request_key(request: SipRequest, peer: Peer) -> tuple[str, str, str, str]:
    return (str(peer), request.call_id, request.get("CSeq") or "", request.branch or "")


_HEADER = {
    name: re.compile(rf"(?im)^(?:{pattern})[ \t]*:[ \t]*(.+?)[ \t]*\r?$".encode())
    for name, pattern in (
        ("Via", "via|v"),
        ("From", "from|f"),
        ("To", "to|t"),
        ("Call-ID", "call-id|i"),
        ("CSeq", "cseq"),
    )
}


def lenient_error_response(data: bytes, error: SipParseError) -> bytes | None:
    first = data.split(b"\n", 1)[0].strip()
    if first.startswith(b"SIP/") or not re.match(rb"^[A-Z]+ \S+ SIP/2\.0$", first):
        return None
    if first.startswith(b"ACK "):
        return None
    found: dict[str, bytes] = {}
    for name, pattern in _HEADER.items():
        match = pattern.search(data[:8192])
        if match is None:
            return None
        found[name] = match.group(1)[:512]
    to = found["To"] if b"tag=" in found["To"] else found["To"] + f";tag={new_tag()}".encode()
    reason = REASONS.get(error.status, "Bad Request")
    detail = re.sub(r"[^\x20-\x7e]", "?", error.reason)[:120]
    lines = [
        f"SIP/2.0 {error.status} {reason}".encode(),
        b"Via: " + found["Via"],
        b"From: " + found["From"],
        b"To: " + to,
        b"Call-ID: " + found["Call-ID"],
        b"CSeq: " + found["CSeq"],
        b'Warning: 399 mediation-hub "' + detail.replace('"', "'").encode() + b'"',
        b"Content-Length: 0",
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, ua: SipUserAgent) -> None:
        self.ua = ua

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            self.ua._datagram(data, Peer("udp", addr[0], addr[1]))
        except Exception:  # never let a datagram take the listener down
            logger.exception("sip: udp datagram handling failed")

    def error_received(self, exc: Exception) -> None:
        logger.debug("sip udp: %s", exc)


class _Tcp(asyncio.Protocol):
    def __init__(self, ua: SipUserAgent) -> None:
        self.ua = ua
        self.framer = SipStreamFramer()
        self.peer: Peer | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        host, port = transport.get_extra_info("peername")[:2]
        self.peer = Peer("tcp", host, port)
        self.transport = transport
        if not self.ua._tcp_opened(self.peer, transport):
            transport.close()

    def data_received(self, data: bytes) -> None:
        assert self.peer is not None and self.transport is not None
        try:
            messages = self.framer.feed(data)
        except SipParseError as error:
            # the framing is lost: answer what can be answered, then hang up
            self.ua._malformed(data, self.peer, error)
            self.transport.close()
            return
        for raw in messages:
            try:
                self.ua._datagram(raw, self.peer)
            except Exception:
                logger.exception("sip: tcp message handling failed")

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None and self.transport is not None:
            self.ua._tcp_closed(self.peer, self.transport)
