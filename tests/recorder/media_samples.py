"""Known encoded frames for recorder tests, encoded once with PyAV (the recorder
itself never encodes or decodes)."""

from __future__ import annotations

import functools
import math
import struct
from fractions import Fraction

import av

from media.frames import H264, OPUS, VP8, EncodedFrame, MediaCodec

VP8_CODEC = MediaCodec(VP8, 90000)
H264_CODEC = MediaCodec(H264, 90000, parameters={"packetization-mode": 1})
OPUS_CODEC = MediaCodec(OPUS, 48000, 2)
FPS = 30


@functools.cache
def video_payloads(encoder: str, count: int = 90, gop: int = 15) -> tuple[bytes, ...]:
    """count frames, 160x120 at 30 fps, a keyframe every gop frames."""
    ctx = av.CodecContext.create(encoder, "w")
    ctx.width, ctx.height, ctx.pix_fmt = 160, 120, "yuv420p"
    ctx.time_base = Fraction(1, FPS)
    ctx.framerate = FPS
    ctx.gop_size = gop
    if encoder == "libx264":
        ctx.options = {
            "profile": "baseline",
            "preset": "ultrafast",
            "tune": "zerolatency",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:repeat-headers=1",
        }
    else:
        ctx.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    out: list[bytes] = []
    for i in range(count):
        frame = av.VideoFrame(160, 120, "yuv420p")
        for j, plane in enumerate(frame.planes):
            plane.update(bytes((x * 3 + i * 7 + j * 50) % 256 for x in range(plane.buffer_size)))
        frame.pts = i
        out.extend(bytes(p) for p in ctx.encode(frame))
    out.extend(bytes(p) for p in ctx.encode(None))
    if encoder == "libx264":
        assert out[0].startswith((b"\x00\x00\x00\x01", b"\x00\x00\x01")), "expected Annex B"
    return tuple(out)


@functools.cache
def opus_payloads(count: int = 150) -> tuple[bytes, ...]:
    """count 20 ms Opus packets of a tone."""
    ctx = av.CodecContext.create("libopus", "w")
    ctx.sample_rate, ctx.layout, ctx.format = 48000, "stereo", "s16"
    out: list[bytes] = []
    for i in range(count):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        frame.planes[0].update(
            b"".join(
                struct.pack("<hh", s, s)
                for s in (int(3000 * math.sin((i * 960 + k) / 10)) for k in range(960))
            )
        )
        frame.sample_rate, frame.pts = 48000, i * 960
        out.extend(bytes(p) for p in ctx.encode(frame))
    return tuple(out)


def video_frames(codec: MediaCodec, count: int = 90, start_ts: int = 0) -> list[EncodedFrame]:
    encoder = "libvpx" if codec.mime_type == VP8 else "libx264"
    step = codec.clock_rate // FPS
    return [
        EncodedFrame(data, start_ts + i * step, codec)
        for i, data in enumerate(video_payloads(encoder, count))
    ]


def opus_frames(count: int = 150, start_ts: int = 0) -> list[EncodedFrame]:
    return [
        EncodedFrame(d, start_ts + i * 960, OPUS_CODEC) for i, d in enumerate(opus_payloads(count))
    ]


def demux(path: str) -> list[bytes]:
    with av.open(path) as container:
        return [bytes(p) for p in container.demux() if p.size]
