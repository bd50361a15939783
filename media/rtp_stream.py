"""OutboundStream: the RTP stream one subscribe m-line carries to a subscriber.

It owns what the subscriber sees: one SSRC, one payload type, sequence numbers
and timestamps that run on without a jump however many consumers, pauses and
layer switches feed it, and a retransmission history that answers the
subscriber's NACKs (on RTX where negotiated). Packets are rewritten (a 12-byte
header and our header extensions in front of the publisher's payload, which is
never touched) and handed to the transport's SRTP writer.
"""

from __future__ import annotations

import logging
import random
import struct
import time
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from media.rtp import (
    RtpPacketLike,
    ntp_time,
    sdes_cname,
    sender_report,
)

if TYPE_CHECKING:
    from media.consumer import Consumer

logger = logging.getLogger(__name__)

Writer = Callable[[bytes], None]
HISTORY = 1024  # packets kept for retransmission (~1.5 s of 5 Mbps video)
_OSN = struct.Struct("!H")
_NO_LEVEL = -1


class _History:
    """The last HISTORY packets a stream sent, as the subscriber saw them, for
    retransmission. Flat arrays and a list of payloads: nothing per packet that
    the cyclic garbage collector tracks. (Keeping the packets or a tuple per
    packet filled its oldest generation: with 20 rooms it walked the whole heap,
    some 650,000 objects, every ten seconds, stalling every room ~150 ms.)"""

    __slots__ = ("level", "marker", "payload", "seq", "ts")

    def __init__(self) -> None:
        self.seq = array("l", [-1]) * HISTORY  # -1: empty slot
        self.ts = array("L", [0]) * HISTORY
        self.marker = array("b", [0]) * HISTORY
        self.level = array("h", [_NO_LEVEL]) * HISTORY  # the audio level byte
        self.payload: list[bytes] = [b""] * HISTORY


@dataclass(frozen=True, slots=True)
class SendParameters:
    """What the subscriber negotiated for one sendonly m-line."""

    ssrc: int
    rtx_ssrc: int
    payload_type: int
    rtx_payload_type: int | None
    clock_rate: int
    cname: str
    mid: str | None = None
    ext_mid: int | None = None
    ext_abs_send_time: int | None = None
    ext_audio_level: int | None = None
    nack: bool = False


class OutboundStream:
    """Created per subscribe m-line by PeerTransport; reused by the next consumer
    of the same kind and codec when its consumer closes (bounded SDP)."""

    def __init__(self, kind: str, on_started: Callable[[OutboundStream], None]) -> None:
        self.kind = kind
        self.consumer: Consumer | None = None
        self.params: SendParameters | None = None
        self.ready = False
        # statistics, for sender reports and monitoring
        self.packets_sent = 0
        self.octets_sent = 0
        self.retransmitted = 0
        self.nacks_unanswerable = 0
        self.fraction_lost = 0  # from the subscriber's receiver reports, /256
        self.packets_lost = 0
        self.jitter = 0
        self.rtt_s: float | None = None
        self.remb_bps: int | None = None  # the subscriber's bandwidth estimate
        self.bitrate_samples: deque[tuple[float, int]] = deque(maxlen=64)  # (t, octets)
        self._on_started = on_started
        self._write: Writer = _nowhere
        self._write_rtcp: Writer = _nowhere
        # rewriting
        self._seq_offset = 0
        self._ts_offset = 0
        self._last_seq = random.randrange(0, 0x8000)  # low half: no early SRTP rollover
        self._last_ts = random.getrandbits(32)
        self._last_sent_at: float | None = None
        self._highest_in = 0
        self._run = 0  # input packets since the last restart (capped)
        self._source_ssrc: int | None = None
        self._clock_rate = 90000 if kind == "video" else 48000
        self._history: _History | None = None
        self._rtx_seq = random.randrange(0, 0x8000)
        self._layouts: dict[bool, tuple[struct.Struct, bytes, int, bytes]] = {}
        self._with_level = False
        self._sr_sent: dict[int, float] = {}  # middle 32 bits of the NTP time -> when

    # -- wire -------------------------------------------------------------------------------
    def started(self, params: SendParameters, write: Writer, write_rtcp: Writer) -> None:
        """The subscriber's connection is up and this m-line negotiated (called by
        the sender tap)."""
        self.params = params
        self._write = write
        self._write_rtcp = write_rtcp
        self._clock_rate = params.clock_rate
        self._history = _History() if params.nack else None
        self._layouts.clear()
        self._with_level = bool(params.ext_audio_level)
        self.ready = True
        self._on_started(self)

    def stopped(self) -> None:
        self.ready = False
        self._write = self._write_rtcp = _nowhere

    def _layout(self, level: bool) -> tuple[struct.Struct, bytes, int, bytes]:
        """How a header with our extensions packs, in one struct call: (struct, the
        bytes before the per-packet values, the abs-send-time element's tag byte (0:
        none), the padding after them). With an audio level, a byte for it follows
        `before`; with abs-send-time, a 32-bit word: its tag and the 24-bit time."""
        cached = self._layouts.get(level)
        if cached is not None:
            return cached
        p = self.params
        assert p is not None
        body = b""
        if p.ext_mid and p.mid:
            mid = p.mid.encode()[:16]
            body += bytes([(p.ext_mid << 4) | (len(mid) - 1)]) + mid
        level_id = p.ext_audio_level if level else None
        with_level = bool(level_id)
        if level_id:
            body += bytes([level_id << 4])  # value appended per packet
        abs_tag = (p.ext_abs_send_time << 4) | 2 if p.ext_abs_send_time else 0
        tail_len = len(body) + (1 if with_level else 0) + (4 if abs_tag else 0)
        pad = -tail_len % 4
        words = (tail_len + pad) // 4
        before = struct.pack("!HH", 0xBEDE, words) + body if words else b""
        values = ("B" if with_level else "") + ("I" if abs_tag else "")
        fmt = struct.Struct(f"!BBHII{len(before)}s{values}{pad}s" if words else "!BBHII")
        self._layouts[level] = cached = (fmt, before, abs_tag, b"\x00" * pad)
        return cached

    def _header(
        self,
        marker: int,
        level: int,
        padded: bool,
        pt: int,
        ssrc: int,
        seq: int,
        ts: int,
    ) -> bytes:
        fmt, before, abs_tag, after = self._layout(level != _NO_LEVEL)
        flags = 0xA0 if padded else 0x80
        m_pt = (marker << 7) | pt
        if not before:
            return fmt.pack(flags, m_pt, seq, ts, ssrc)
        flags |= 0x10
        if abs_tag:
            sent = (abs_tag << 24) | (int(time.time() * 262144) & 0xFFFFFF)  # 6.18 s
            if level == _NO_LEVEL:
                return fmt.pack(flags, m_pt, seq, ts, ssrc, before, sent, after)
            return fmt.pack(flags, m_pt, seq, ts, ssrc, before, level, sent, after)
        if level == _NO_LEVEL:
            return fmt.pack(flags, m_pt, seq, ts, ssrc, before, after)
        return fmt.pack(flags, m_pt, seq, ts, ssrc, before, level, after)

    # -- forwarding ---------------------------------------------------------------------------
    def restart(self, packet: RtpPacketLike) -> None:
        """Continue from this packet (a keyframe start, for video): the subscriber
        sees the next sequence number and a timestamp as far on as time went."""
        now = time.monotonic()
        self._seq_offset = (self._last_seq + 1 - packet.sequence_number) & 0xFFFF
        elapsed = 0 if self._last_sent_at is None else now - self._last_sent_at
        step = max(1, int(elapsed * self._clock_rate))
        self._ts_offset = (self._last_ts + step - packet.timestamp) & 0xFFFFFFFF
        self._highest_in = packet.sequence_number
        self._run = 0
        self._source_ssrc = packet.ssrc

    def send(self, packet: RtpPacketLike) -> bool:
        """Rewrite and send one packet of the current source; False if it belongs
        to before the last restart (late, reordered)."""
        params = self.params
        if params is None:
            return False
        in_seq = packet.sequence_number
        ahead = (in_seq - self._highest_in) & 0xFFFF
        if ahead < 0x8000:
            self._highest_in = in_seq
            if self._run < 0x4000:
                self._run += ahead
            newest = True
        else:
            if 0x10000 - ahead > min(self._run, 1000):
                return False  # from before the restart, or far too late
            newest = False
        seq = (in_seq + self._seq_offset) & 0xFFFF
        ts = (packet.timestamp + self._ts_offset) & 0xFFFFFFFF
        payload = packet.payload
        level = _NO_LEVEL
        if self._with_level:
            voice = packet.extensions.audio_level  # (voice activity, -dBov)
            if voice is not None:
                level = (0x80 if voice[0] else 0) | (voice[1] & 0x7F)
        padding = 0 if payload else packet.padding_size  # (padding only: a bandwidth probe)
        data = self._header(
            packet.marker, level, padding > 0, params.payload_type, params.ssrc, seq, ts
        )
        if padding:
            data += b"\x00" * (padding - 1) + bytes([padding])
        self._write(data + payload)
        if newest:
            self._last_seq = seq
            self._last_ts = ts
            self._last_sent_at = time.monotonic()
        self.packets_sent += 1
        self.octets_sent += len(payload)
        history = self._history
        if history is not None and payload:  # (probes are not worth repairing)
            i = seq % HISTORY
            history.seq[i] = seq
            history.ts[i] = ts
            history.marker[i] = packet.marker
            history.level[i] = level
            history.payload[i] = payload
        return True

    # -- feedback from the subscriber -----------------------------------------------------------
    def nack(self, sequence_numbers: list[int]) -> None:
        params, history = self.params, self._history
        if params is None or history is None:
            return
        for seq in sequence_numbers:
            i = seq % HISTORY
            if history.seq[i] != seq:
                self.nacks_unanswerable += 1
                continue
            ts, marker, level, payload = (
                history.ts[i],
                history.marker[i],
                history.level[i],
                history.payload[i],
            )
            if params.rtx_payload_type is not None:
                self._rtx_seq = rtx_seq = (self._rtx_seq + 1) & 0xFFFF
                head = self._header(
                    marker, level, False, params.rtx_payload_type, params.rtx_ssrc, rtx_seq, ts
                )
                self._write(head + _OSN.pack(seq) + payload)
            else:
                head = self._header(marker, level, False, params.payload_type, params.ssrc, seq, ts)
                self._write(head + payload)
            self.retransmitted += 1
            if self.consumer is not None:
                self.consumer._counters.retransmitted_packets += 1

    def keyframe_request(self) -> None:
        consumer = self.consumer
        if consumer is not None:
            consumer.request_keyframe()

    def receiver_report(
        self, fraction_lost: int, packets_lost: int, jitter: int, lsr: int, dlsr: int
    ) -> None:
        self.fraction_lost = fraction_lost
        self.packets_lost = packets_lost
        self.jitter = jitter
        sent = self._sr_sent.get(lsr)
        if sent is not None:
            self.rtt_s = max(0.0, time.monotonic() - sent - dlsr / 65536)
        consumer = self.consumer
        if consumer is not None:
            consumer._feedback(self, report=True)

    def remb(self, bitrate: int) -> None:
        self.remb_bps = bitrate
        consumer = self.consumer
        if consumer is not None:
            consumer._feedback(self, report=False)

    # -- RTCP out ---------------------------------------------------------------------------
    def send_report(self) -> None:
        """A sender report (with our CNAME): maps this stream's timestamps onto
        the wall clock, from the publisher's own report when there is one."""
        params = self.params
        if params is None or not self.ready or self._last_sent_at is None:
            return
        now_unix, now = time.time(), time.monotonic()
        rtp_ts = self._last_ts + int((now - self._last_sent_at) * self._clock_rate)
        consumer = self.consumer
        if consumer is not None and self._source_ssrc is not None:
            report = consumer._producer.sender_reports.get(self._source_ssrc)
            if report is not None:
                src_rtp, _, received_at = report
                rtp_ts = src_rtp + int((now - received_at) * self._clock_rate) + self._ts_offset
        ntp = ntp_time(now_unix)
        middle = (ntp >> 16) & 0xFFFFFFFF
        self._sr_sent[middle] = now
        if len(self._sr_sent) > 8:
            del self._sr_sent[next(iter(self._sr_sent))]
        self._write_rtcp(
            sender_report(params.ssrc, ntp, rtp_ts, self.packets_sent, self.octets_sent)
            + sdes_cname(params.ssrc, params.cname)
        )


def _nowhere(data: bytes) -> None:
    return None
