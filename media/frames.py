"""Encoded frames as they travel from a producer to its consumers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av

VP8 = "video/VP8"
H264 = "video/H264"
H265 = "video/H265"  # from cameras only: never sent to a browser (media/transcoder.py)
OPUS = "audio/opus"


@dataclass(frozen=True, slots=True)
class MediaCodec:
    """What a producer sends: MIME type, clock rate, channels and fmtp parameters."""

    mime_type: str
    clock_rate: int
    channels: int | None = None
    parameters: dict[str, str | int] = field(default_factory=dict, hash=False)

    @property
    def kind(self) -> str:
        return self.mime_type.split("/", 1)[0].lower()

    @property
    def time_base(self) -> Fraction:
        return Fraction(1, self.clock_rate)


def _h264_nal_types(data: bytes) -> set[int]:
    """NAL unit types in an Annex B byte stream (00 00 01 / 00 00 00 01 start codes)."""
    types: set[int] = set()
    i = data.find(b"\x00\x00\x01")
    while i != -1 and i + 3 < len(data):
        types.add(data[i + 3] & 0x1F)
        i = data.find(b"\x00\x00\x01", i + 3)
    return types


def is_keyframe(mime_type: str, data: bytes) -> bool:
    """True if a decoder can start from this frame."""
    mime = mime_type.lower()
    if mime == "video/vp8":
        # RFC 6386 9.1: the frame tag's first bit P is 0 for a key frame.
        return len(data) >= 3 and (data[0] & 0x01) == 0
    if mime == "video/h264":
        return 5 in _h264_nal_types(data)  # an IDR slice
    if mime == "video/h265":
        from media.h265 import is_hevc_keyframe

        return is_hevc_keyframe(data)
    return True  # audio: every frame stands alone


class EncodedFrame:
    """One complete encoded frame (a VP8 frame, an H.264 access unit in Annex B,
    an Opus packet). `timestamp` is in the codec's clock rate. One instance is
    shared by every consumer of a producer; never mutate it."""

    __slots__ = ("_packet", "arrival", "codec", "data", "keyframe", "timestamp")

    def __init__(
        self,
        data: bytes,
        timestamp: int,
        codec: MediaCodec,
        keyframe: bool | None = None,
        arrival: float | None = None,
    ) -> None:
        self.data = data
        self.timestamp = timestamp
        self.codec = codec
        self.keyframe = is_keyframe(codec.mime_type, data) if keyframe is None else keyframe
        self.arrival = time.monotonic() if arrival is None else arrival  # when the hub got it
        self._packet: av.Packet[Any] | None = None

    def as_packet(self) -> av.Packet[Any]:
        """The frame as an av.Packet (built once, shared): what aiortc senders pack()."""
        if self._packet is None:
            packet = av.Packet(self.data)
            packet.pts = self.timestamp
            packet.dts = self.timestamp
            packet.time_base = self.codec.time_base
            if self.keyframe:
                packet.is_keyframe = True
            self._packet = packet
        return self._packet

    def __repr__(self) -> str:
        kf = " key" if self.keyframe else ""
        return f"EncodedFrame({self.codec.mime_type} ts={self.timestamp} {len(self.data)}B{kf})"
