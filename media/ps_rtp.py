"""PS over RTP reception (GB/T 28181 media): UDP, or TCP passive with RFC 4571 framing.

`PsRtpReceiver` listens on one port, keeps the packets of one SSRC, puts them
back in sequence order (a small reorder window), and feeds the payloads to a
`PsDemuxer`. A gap that does not fill within the window is a loss: the demuxer
drops its partial access unit and `on_discontinuity` is called, so the source
waits for the next keyframe instead of forwarding a broken picture. Runs on the
event loop: per packet it only slices bytes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from media.ps_demux import PsDemuxer, PsFrame

logger = logging.getLogger(__name__)

MAX_TCP_FRAME = 65535


@dataclass(frozen=True, slots=True)
class RtpPacket:
    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """RFC 3550 5.1; raises ValueError for anything that is not an RTP packet."""
        if len(data) < 12 or data[0] >> 6 != 2:
            raise ValueError("not RTP version 2")
        header = 12 + 4 * (data[0] & 0x0F)
        if data[0] & 0x10:  # header extension
            if len(data) < header + 4:
                raise ValueError("truncated header extension")
            header += 4 + 4 * int.from_bytes(data[header + 2 : header + 4], "big")
        end = len(data)
        if data[0] & 0x20:  # padding
            end -= data[-1]
        if header > end:
            raise ValueError("header longer than the packet")
        return cls(
            marker=bool(data[1] & 0x80),
            payload_type=data[1] & 0x7F,
            sequence=int.from_bytes(data[2:4], "big"),
            timestamp=int.from_bytes(data[4:8], "big"),
            ssrc=int.from_bytes(data[8:12], "big"),
            payload=data[header:end],
        )


@dataclass
class RtpStats:
    packets: int = 0  # accepted (right SSRC, parsed)
    bytes: int = 0
    lost: int = 0  # sequence numbers never seen
    late: int = 0  # arrived after their gap was given up, or duplicates
    reordered: int = 0  # arrived after a later packet, in time to be used
    wrong_ssrc: int = 0
    malformed: int = 0
    connections: int = 0  # TCP connections accepted
    last_packet_at: float | None = None


class ReorderBuffer:
    """Sequence-number order with a bounded wait for gaps.

    push() returns the payloads now deliverable in order, with None standing for
    a gap given up (a loss): when `window` packets are held, or the oldest held
    one waited `hold_s`."""

    def __init__(self, stats: RtpStats, window: int = 64, hold_s: float = 0.1) -> None:
        self.stats = stats
        self.window = window
        self.hold_s = hold_s
        self._expected: int | None = None
        self._held: dict[int, tuple[float, bytes]] = {}

    def push(self, seq: int, payload: bytes, now: float) -> list[bytes | None]:
        out: list[bytes | None] = []
        if self._expected is None:
            self._expected = seq
        distance = (seq - self._expected) & 0xFFFF
        if distance >= 0x8000:  # behind what we expect
            if (self._expected - seq) & 0xFFFF <= self.window * 4:
                self.stats.late += 1  # a duplicate, or its gap was already given up
                return out
            self._restart(seq, out)  # far behind: the sender restarted its numbering
        elif distance > self.window * 4:
            self._restart(seq, out)  # far ahead: likewise
        if seq in self._held:
            self.stats.late += 1
            return out
        expected = self._expected
        if self._held and distance < max((s - expected) & 0xFFFF for s in self._held):
            self.stats.reordered += 1  # filled a gap: arrived after a later packet
        self._held[seq] = (now, payload)
        self._drain(out)
        while self._held and (
            len(self._held) > self.window
            or now - min(t for t, _ in self._held.values()) > self.hold_s
        ):
            self._skip_gap(out)
            self._drain(out)
        return out

    def _drain(self, out: list[bytes | None]) -> None:
        assert self._expected is not None
        while self._expected in self._held:
            out.append(self._held.pop(self._expected)[1])
            self._expected = (self._expected + 1) & 0xFFFF

    def _skip_gap(self, out: list[bytes | None]) -> None:
        assert self._expected is not None
        expected = self._expected
        nearest = min(self._held, key=lambda s: (s - expected) & 0xFFFF)
        self.stats.lost += (nearest - expected) & 0xFFFF
        self._expected = nearest
        out.append(None)

    def _restart(self, seq: int, out: list[bytes | None]) -> None:
        self._held.clear()
        self._expected = seq
        out.append(None)


class PsRtpReceiver:
    """One port, one stream. `open()` returns the port; `lost` completes when a TCP
    sender disconnects (UDP has no such moment: the source's stall check covers it)."""

    def __init__(
        self,
        *,
        on_frame: Callable[[PsFrame], None],
        on_discontinuity: Callable[[], None],
        transport: str = "udp",
        host: str = "127.0.0.1",
        port: int = 0,
        expected_ssrc: int | None = None,
        reorder_window: int = 64,
        reorder_hold_s: float = 0.1,
    ) -> None:
        if transport not in ("udp", "tcp"):
            raise ValueError(f"transport must be udp or tcp, not {transport!r}")
        self.transport = transport
        self.host = host
        self.port = port
        self.expected_ssrc = expected_ssrc  # None: take the first SSRC that arrives
        self.stats = RtpStats()
        self.demuxer = PsDemuxer()
        self.closed = False
        self._on_frame = on_frame
        self._on_discontinuity = on_discontinuity
        self._reorder = ReorderBuffer(self.stats, reorder_window, reorder_hold_s)
        self._udp: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._peer: asyncio.Transport | None = None
        self._lost: asyncio.Future[str] | None = None

    @property
    def lost(self) -> asyncio.Future[str]:
        assert self._lost is not None, "open() first"
        return self._lost

    async def open(self) -> int:
        loop = asyncio.get_running_loop()
        self._lost = loop.create_future()
        if self.transport == "udp":
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(self.host, self.port)
            )
            self._udp = udp
            sock = udp.get_extra_info("socket")
        else:
            self._server = await loop.create_server(
                lambda: _TcpProtocol(self), self.host, self.port, backlog=4
            )
            sock = self._server.sockets[0]
        self.port = int(sock.getsockname()[1])
        return self.port

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._udp is not None:
            self._udp.close()
        if self._server is not None:
            self._server.close()
        if self._peer is not None:
            self._peer.close()
        if self._lost is not None and not self._lost.done():
            self._lost.set_result("closed")

    # -- packets ---------------------------------------------------------------------
    def packet(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            rtp = RtpPacket.parse(data)
        except ValueError:
            self.stats.malformed += 1
            return
        if self.expected_ssrc is None:
            self.expected_ssrc = rtp.ssrc
        elif rtp.ssrc != self.expected_ssrc:
            self.stats.wrong_ssrc += 1
            return
        now = time.monotonic()
        self.stats.packets += 1
        self.stats.bytes += len(data)
        self.stats.last_packet_at = now
        for payload in self._reorder.push(rtp.sequence, rtp.payload, now):
            if payload is None:
                self.demuxer.reset()
                self._on_discontinuity()
                continue
            for frame in self.demuxer.feed(payload):
                self._on_frame(frame)

    def _tcp_connected(self, transport: asyncio.Transport) -> bool:
        if self._peer is not None or self.closed:
            return False  # one sender per stream
        self._peer = transport
        self.stats.connections += 1
        return True

    def _tcp_lost(self, transport: asyncio.Transport, reason: str) -> None:
        if transport is self._peer:
            self._peer = None
            if self._lost is not None and not self._lost.done():
                self._lost.set_result(reason)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, receiver: PsRtpReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.receiver.packet(data)

    def error_received(self, exc: Exception) -> None:
        logger.debug("rtp udp: %s", exc)


class _TcpProtocol(asyncio.Protocol):
    """RFC 4571: each RTP packet preceded by its length in 2 bytes."""

    def __init__(self, receiver: PsRtpReceiver) -> None:
        self.receiver = receiver
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.bad = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.receiver._tcp_connected(transport):
            transport.close()
            self.transport = None

    def data_received(self, data: bytes) -> None:
        if self.transport is None:
            return
        self.buf += data
        buf = self.buf
        pos = 0
        while len(buf) - pos >= 2:
            size = int.from_bytes(buf[pos : pos + 2], "big")
            if len(buf) - pos - 2 < size:
                break
            packet = bytes(buf[pos + 2 : pos + 2 + size])
            pos += 2 + size
            before = self.receiver.stats.malformed
            self.receiver.packet(packet)
            if self.receiver.stats.malformed != before:
                self.bad += 1
                if self.bad >= 16:  # the framing is lost: nothing after this can be trusted
                    self.transport.close()
                    return
            else:
                self.bad = 0
        del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            reason = f"the sender closed the TCP connection{f': {exc}' if exc else ''}"
            self.receiver._tcp_lost(self.transport, reason)
