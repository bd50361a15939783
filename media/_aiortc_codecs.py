"""aiortc's codec internals we reuse, in one place: its jitter buffer and
depayloaders (RTP packets -> whole frames, for the recorder and snapshots), its
packetisers (whole frames -> RTP payloads, for frame sources such as camera
ingest that reach WebRTC subscribers), and a transceiver's negotiated codec
list (narrowed to the one codec we forward). Guarded by
tests/media/test_aiortc_taps.py.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import av
from aiortc import RTCRtpCodecParameters, RTCRtpTransceiver
from aiortc.codecs import depayload, get_encoder, is_rtx
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from media.rtp import RtpPacketLike

TRANSCEIVER_CODECS = "_codecs"  # RTCRtpTransceiver: the negotiated codecs


class AiortcCodecsChanged(RuntimeError):
    """The aiortc version in use no longer has the codec helpers media/ relies on."""


def _codec(mime: str, clock_rate: int) -> RTCRtpCodecParameters:
    return RTCRtpCodecParameters(mimeType=mime, clockRate=clock_rate, payloadType=96)


class FrameAssembler:
    """RTP packets of one stream in, whole encoded frames out: a VP8 frame, an
    H.264 access unit in Annex B, an Opus packet. Frames carry the packets' own
    RTP timestamps. Video goes through a reordering buffer per SSRC (512
    packets); an Opus packet is a frame."""

    def __init__(self, mime: str, clock_rate: int) -> None:
        self._codec = _codec(mime, clock_rate)
        self._video = mime.lower().startswith("video/")
        self._buffers: dict[int, JitterBuffer] = {}

    def add(self, packet: RtpPacketLike) -> tuple[list[tuple[bytes, int]], bool]:
        """([(frame data, RTP timestamp)], whether a picture was lost (ask for a keyframe))."""
        if not packet.payload:
            return [], False
        if not self._video:
            return [(packet.payload, packet.timestamp)], False
        buffer = self._buffers.get(packet.ssrc)
        if buffer is None:
            buffer = self._buffers[packet.ssrc] = JitterBuffer(capacity=512, is_video=True)
        copy = RtpPacket(
            payload_type=packet.payload_type,
            marker=packet.marker,
            sequence_number=packet.sequence_number,
            timestamp=packet.timestamp,
            ssrc=packet.ssrc,
            payload=packet.payload,
        )
        try:
            copy._data = depayload(self._codec, packet.payload)  # type: ignore[attr-defined]
        except ValueError:
            return [], False
        lost, frame = buffer.add(copy)
        return ([(frame.data, frame.timestamp)] if frame is not None else []), lost


class Packetizer:
    """Whole encoded frames in, RTP packets out (one SSRC, its own sequence
    numbers, the frames' timestamps), once per producer however many subscribers."""

    def __init__(self, mime: str, clock_rate: int) -> None:
        self._video = mime.lower().startswith("video/")
        self._encoder: Any = get_encoder(_codec(mime, clock_rate)) if self._video else None
        self._time_base = Fraction(1, clock_rate)
        self._seq = random.randrange(0, 0x8000)
        self.ssrc = random.getrandbits(32)

    def packetize(self, data: bytes, timestamp: int) -> list[RtpPacket]:
        timestamp &= 0xFFFFFFFF
        if self._video:
            packet = av.Packet(data)
            packet.pts = timestamp
            packet.time_base = self._time_base
            payloads, _ = self._encoder.pack(packet)
        else:
            payloads = [data]
        out: list[RtpPacket] = []
        last = len(payloads) - 1
        for i, payload in enumerate(payloads):
            out.append(
                RtpPacket(
                    payload_type=96,
                    marker=1 if i == last else 0,
                    sequence_number=self._seq,
                    timestamp=timestamp,
                    ssrc=self.ssrc,
                    payload=payload,
                )
            )
            self._seq = (self._seq + 1) & 0xFFFF
        return out


def check() -> None:
    """Raise AiortcCodecsChanged unless the helpers still work as we use them."""
    try:
        packets = Packetizer("video/VP8", 90000).packetize(b"\x10\x02\x00" + b"\x00" * 3000, 90)
        assembler = FrameAssembler("video/VP8", 90000)
        frames: list[tuple[bytes, int]] = []
        for packet in packets:
            frames.extend(assembler.add(packet)[0])
    except Exception as exc:
        raise AiortcCodecsChanged(f"aiortc's packetiser/jitter buffer moved: {exc}") from exc
    if len(packets) < 3 or frames != [(b"\x10\x02\x00" + b"\x00" * 3000, 90)]:
        raise AiortcCodecsChanged("a VP8 frame no longer survives packetise + assemble")


def negotiated_codecs(transceiver: RTCRtpTransceiver) -> list[RTCRtpCodecParameters]:
    codecs: list[RTCRtpCodecParameters] = getattr(transceiver, TRANSCEIVER_CODECS)
    return codecs


def keep_codec(
    transceiver: RTCRtpTransceiver,
    codec: RTCRtpCodecParameters,
    extra_parameters: dict[str, str | int] | None = None,
) -> None:
    """Narrow a negotiated transceiver (between setRemoteDescription and
    createAnswer) to one codec and its RTX, so the answer names only it, with
    `extra_parameters` added to its fmtp line."""
    codec.parameters.update(extra_parameters or {})
    codecs = negotiated_codecs(transceiver)
    kept = [codec] + [
        c for c in codecs if is_rtx(c) and c.parameters.get("apt") == codec.payloadType
    ]
    setattr(transceiver, TRANSCEIVER_CODECS, kept)
