"""Transport-wide congestion control feedback for publishers
(draft-holmer-rmcat-transport-wide-cc-extensions-01).

A browser that gets this feedback runs its delay-based bandwidth estimator and
probes: on a good link it reaches its full bitrate in seconds, where a REMB-only
receiver leaves it creeping up from 300 kbps. We note when each packet of a
publish connection arrived (by its transport-wide sequence number, every
packet including RTX and probing padding) and report arrivals every ~50 ms.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

FEEDBACK_INTERVAL_S = 0.05
MAX_STATUSES = 400  # per feedback packet (a few hundred bytes)
_HEADER = struct.Struct("!BBHIIHHI")
_CHUNK = struct.Struct("!H")


class TransportCcFeedback:
    """Arrivals in, RTCP transport feedback packets out (through `send`)."""

    def __init__(self, send: Callable[[bytes], None], *, now: Callable[[], float] = time.monotonic):
        self._send = send
        self._now = now
        self._arrivals: dict[int, int] = {}  # unwrapped seq -> arrival, µs
        self._last_seq: int | None = None  # unwrapped, highest seen
        self._next: int | None = None  # first unwrapped seq not yet reported
        self._fb_count = 0
        self._last_feedback = 0.0
        self.sender_ssrc = 0
        self.media_ssrc = 0
        self.feedbacks_sent = 0

    def on_packet(self, transport_seq: int, media_ssrc: int) -> None:
        now = self._now()
        last = self._last_seq
        if last is None:
            seq = self._last_seq = transport_seq
            if self._next is None:
                self._next = seq
            self.media_ssrc = self.media_ssrc or media_ssrc
        else:
            delta = (transport_seq - last) & 0xFFFF
            if delta < 0x8000:
                seq = self._last_seq = last + delta
            else:  # (late: behind the newest)
                seq = last + delta - 0x10000
        if seq >= self._next - 0x1000:  # type: ignore[operator]
            self._arrivals.setdefault(seq, int(now * 1e6))
        if now - self._last_feedback >= FEEDBACK_INTERVAL_S:
            self._last_feedback = now
            self.flush()

    def flush(self) -> None:
        """Report everything from the first unreported sequence number on."""
        if self._next is None or self._last_seq is None:
            return
        # a sender that jumps its sequence numbers gets no report of the gap (a
        # bounded cost for us, whatever it sends)
        self._next = max(self._next, self._last_seq - MAX_STATUSES + 1)
        while self._next <= self._last_seq:
            end = min(self._last_seq, self._next + MAX_STATUSES - 1)
            packet = self._build(self._next, end)
            self._next = end + 1
            if packet is not None:
                self._send(packet)
                self.feedbacks_sent += 1
        # forget what was reported: everything, since the newest is (late arrivals
        # are reported with the next range only if they are newer: a browser
        # treats a missing report as a loss)
        self._arrivals.clear()

    def _build(self, first: int, last: int) -> bytes | None:
        arrivals = self._arrivals
        times = [arrivals.get(s) for s in range(first, last + 1)]
        start = next((at for at in times if at is not None), None)
        if start is None:
            return None
        reference = start // 64000  # 64 ms units
        previous = reference * 64000
        symbols: list[int] = []
        deltas = bytearray()
        for at in times:
            if at is None:
                symbols.append(0)
                continue
            delta = (at - previous) // 250  # 250 µs units
            previous = at
            if 0 <= delta <= 0xFF:
                symbols.append(1)
                deltas.append(delta)
            else:
                symbols.append(2)
                deltas += struct.pack("!h", max(-0x8000, min(0x7FFF, delta)))
        if symbols.count(1) == len(symbols):  # the usual: one run-length chunk says it all
            chunks = _CHUNK.pack(0x2000 | len(symbols))  # (at most MAX_STATUSES < 8192)
        else:
            chunks = b""
            for i in range(0, len(symbols), 7):  # two-bit status vector chunks, 7 symbols
                group = symbols[i : i + 7]
                group += [0] * (7 - len(group))
                value = 0xC000
                for k, symbol in enumerate(group):
                    value |= symbol << (12 - 2 * k)
                chunks += _CHUNK.pack(value)
        body = chunks + deltas
        pad = -len(body) % 4
        if pad:  # RTCP padding: P bit, the last byte says how many
            body += b"\x00" * (pad - 1) + bytes([pad])
        count = last - first + 1
        words = (_HEADER.size + len(body)) // 4 - 1
        header = _HEADER.pack(
            (0xA0 if pad else 0x80) | 15,
            205,
            words,
            self.sender_ssrc,
            self.media_ssrc,
            first & 0xFFFF,
            count,
            ((reference & 0xFFFFFF) << 8) | (self._fb_count & 0xFF),
        )
        self._fb_count += 1
        return header + body
