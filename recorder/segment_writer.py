"""Remux one track's encoded frames into self-contained segment files (no transcoding).

Containers, chosen for what survives a kill -9:

- VP8 and Opus go into WebM (Matroska). FFmpeg's Matroska muxer writes a cluster
  at most every `cluster_ms` (0.5 s by default) and `flush_packets` pushes it to the
  kernel at once, so a killed process loses at most the cluster being built. A
  truncated WebM still opens: the header and every complete cluster are read, the
  missing Cues/Duration are only an index.
- H.264 goes into MPEG-TS: Annex B is TS's native form (Matroska would rewrite the
  start codes into length prefixes), TS has no index and no trailer, and the file
  is a run of 188-byte packets written as each frame is muxed, so a truncated file
  is valid up to its last whole packet. The TS muxer prepends an access unit
  delimiter NAL (00 00 00 01 09 f0) to each access unit that lacks one, as
  ISO 13818-1 requires; the frame's own bytes follow unchanged.

Every segment starts on a keyframe: a new one is opened at the first keyframe
after `segment_duration_s` (a keyframe is requested then). Audio rolls on time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from media.frames import H264, H265, OPUS, VP8, EncodedFrame, MediaCodec

logger = logging.getLogger(__name__)

MS = Fraction(1, 1000)
TS_AUD = b"\x00\x00\x00\x01\x09\xf0"  # what the MPEG-TS muxer prepends to an H.264 AU

_FORMATS = {
    VP8.lower(): ("webm", "vp8", ".webm"),
    OPUS.lower(): ("webm", "opus", ".webm"),
    H264.lower(): ("mpegts", "h264", ".ts"),
    H265.lower(): ("mpegts", "hevc", ".ts"),  # camera evidence, as the camera sent it
}


class UnsupportedCodec(Exception):
    """The recorder has no container for this codec."""


def container_for(codec: MediaCodec) -> tuple[str, str, str]:
    """(format, codec name, file suffix) for a codec."""
    try:
        return _FORMATS[codec.mime_type.lower()]
    except KeyError:
        raise UnsupportedCodec(codec.mime_type) from None


def vp8_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height from a VP8 key frame header (RFC 6386 9.1)."""
    if len(data) < 10 or data[3:6] != b"\x9d\x01\x2a":
        return 640, 480
    return (data[6] | data[7] << 8) & 0x3FFF, (data[8] | data[9] << 8) & 0x3FFF


@dataclass
class OpenSegment:
    """A segment being written: enough to describe it if the process dies."""

    path: Path
    track_id: str
    first_ts: int  # media timestamp of its first frame (codec clock, unwrapped)
    start_wall: float  # wall-clock time (epoch s) the first frame reached the hub
    last_ts: int = 0
    frames: int = 0

    def describe(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "track": self.track_id,
            "first_ts": self.first_ts,
            "start_wall": self.start_wall,
        }


@dataclass
class ClosedSegment:
    path: Path
    track_id: str
    first_ts: int
    last_ts: int
    clock_rate: int
    start_wall: float
    duration_s: float  # first frame to the end of the last frame (media time)
    frames: int
    sender_clock: tuple[int, float] | None = None  # (media timestamp, sender Unix s)


def wall_clock(arrival: float) -> float:
    """time.monotonic() arrival -> epoch seconds."""
    return time.time() - (time.monotonic() - arrival)


class SegmentWriter:
    """Writes one track (one producer) as a run of segment files in `directory`.

    `on_open(OpenSegment)` and `on_close(ClosedSegment)` let the recording keep
    its crash-recovery state and seal closed segments. Call write() per frame.
    """

    def __init__(
        self,
        directory: Path,
        track_id: str,
        codec: MediaCodec,
        *,
        segment_duration_s: float,
        cluster_ms: int = 500,
        on_open: Callable[[OpenSegment], None],
        on_close: Callable[[ClosedSegment], None],
        request_keyframe: Callable[[], None] | None = None,
    ) -> None:
        self.directory = directory
        self.track_id = track_id
        self.codec = codec
        self.format, self._codec_name, self._suffix = container_for(codec)
        self._segment_ticks = int(segment_duration_s * codec.clock_rate)
        self._cluster_ms = cluster_ms
        self._on_open = on_open
        self._on_close = on_close
        self._request_keyframe = request_keyframe
        self._is_video = codec.kind == "video"
        self._index = 0
        self._container: Any = None
        self._stream: Any = None
        self._segment: OpenSegment | None = None
        self._last_dts_ms = -1
        self._frame_ticks = 0  # duration of the last frame, for the segment's end
        self._prev_raw: int | None = None
        self._unwrapped = 0
        self._asked_keyframe = False
        self._sender_clock: tuple[int, float] | None = None
        self.frames_written = 0
        self.frames_skipped = 0  # before the first keyframe

    # -- timestamps -------------------------------------------------------------
    def _unwrap(self, ts: int) -> int:
        """Extend 32-bit RTP timestamps across wrap-around."""
        if self._prev_raw is None:
            self._unwrapped = ts
        else:
            delta = (ts - self._prev_raw) & 0xFFFFFFFF
            if delta >= 0x80000000:
                delta -= 0x100000000
            self._unwrapped += delta
        self._prev_raw = ts & 0xFFFFFFFF
        return self._unwrapped

    def note_sender_clock(self, rtp_timestamp: int, unix_s: float) -> None:
        """The sender's clock from an RTCP sender report, for this track's timestamps
        (unwrapped like them); kept with each segment closed from now on."""
        if self._prev_raw is None:
            return
        delta = (rtp_timestamp - self._prev_raw) & 0xFFFFFFFF
        if delta >= 0x80000000:
            delta -= 0x100000000
        self._sender_clock = (self._unwrapped + delta, unix_s)

    # -- frames -------------------------------------------------------------------
    def write(self, frame: EncodedFrame) -> None:
        ts = self._unwrap(frame.timestamp)
        segment = self._segment
        if segment is None:
            if self._is_video and not frame.keyframe:
                self.frames_skipped += 1
                return
            segment = self._open(frame, ts)
        elif ts - segment.first_ts >= self._segment_ticks:
            if frame.keyframe:
                self._close()
                segment = self._open(frame, ts)
            elif not self._asked_keyframe and self._request_keyframe is not None:
                self._asked_keyframe = True
                self._request_keyframe()
        if segment.frames:
            self._frame_ticks = max(0, ts - segment.last_ts)
        packet = av.Packet(frame.data)
        packet.stream = self._stream
        packet.time_base = MS
        dts = (ts - segment.first_ts) * 1000 // self.codec.clock_rate
        if dts <= self._last_dts_ms:
            dts = self._last_dts_ms + 1
        self._last_dts_ms = dts
        packet.pts = packet.dts = dts
        packet.is_keyframe = frame.keyframe
        self._container.mux(packet)
        segment.last_ts = ts
        segment.frames += 1
        self.frames_written += 1

    def _open(self, frame: EncodedFrame, ts: int) -> OpenSegment:
        self._index += 1
        path = self.directory / f"{self.track_id}-{self._index:05d}{self._suffix}"
        options = {"flush_packets": "1"}
        if self.format == "webm":
            options["cluster_time_limit"] = str(self._cluster_ms)
        container = av.open(str(path), "w", format=self.format, options=options)
        if self._is_video:
            width, height = vp8_dimensions(frame.data) if self._codec_name == "vp8" else (0, 0)
            stream = container.add_mux_stream(self._codec_name, width=width, height=height)
        else:
            # Matroska's Opus mapping needs an OpusHead as CodecPrivate (browsers'
            # Media Source Extensions refuse a track without one); the libopus
            # context only writes that header, it never encodes a frame
            stream = container.add_stream("libopus", rate=self.codec.clock_rate)
            stream.codec_context.layout = "stereo" if self.codec.channels == 2 else "mono"
        stream.time_base = MS
        self._container, self._stream = container, stream
        self._last_dts_ms = -1
        self._asked_keyframe = False
        self._segment = OpenSegment(path, self.track_id, ts, wall_clock(frame.arrival), ts)
        self._on_open(self._segment)
        return self._segment

    def _close(self) -> None:
        segment, container = self._segment, self._container
        if segment is None:
            return
        self._segment = self._container = self._stream = None
        container.close()  # on_close makes it durable (fsync) before sealing it
        ticks = segment.last_ts - segment.first_ts + self._frame_ticks
        self._on_close(
            ClosedSegment(
                path=segment.path,
                track_id=self.track_id,
                first_ts=segment.first_ts,
                last_ts=segment.last_ts,
                clock_rate=self.codec.clock_rate,
                start_wall=segment.start_wall,
                duration_s=ticks / self.codec.clock_rate,
                frames=segment.frames,
                sender_clock=self._sender_clock,
            )
        )

    def close(self) -> None:
        """Close the open segment (sealed through on_close)."""
        self._close()
