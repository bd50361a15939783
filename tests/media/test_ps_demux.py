"""The MPEG-PS demuxer against FFmpeg's mpeg muxer, a GB/T 28181-style mux, and noise."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from media.h264 import nal_type, split_nal_units
from media.ps_demux import PsDemuxer, PsFrame, sniff_video_codec
from tests.media.fixtures import encoded_video
from tests.simulators.ps import ffmpeg_ps


def feed_in_pieces(
    data: bytes, seed: int = 1, largest: int = 1500
) -> tuple[PsDemuxer, list[PsFrame]]:
    demuxer, frames, rng, i = PsDemuxer(), [], random.Random(seed), 0
    while i < len(data):
        n = rng.randint(1, largest)
        frames += demuxer.feed(data[i : i + n])
        i += n
    return demuxer, frames + demuxer.flush()


def _pts(value: int, prefix: int) -> bytes:
    return bytes([
        (prefix << 4) | ((value >> 29) & 0x0E) | 1, (value >> 22) & 0xFF,
        ((value >> 14) & 0xFE) | 1, (value >> 7) & 0xFF, ((value << 1) & 0xFE) | 1,
    ])  # fmt: skip


def gb_mux(frames: tuple[bytes, ...], stream_type: int = 0x1B, pes_max: int = 8000) -> bytes:
    """What GB/T 28181 devices send: per frame an MPEG-2 pack, on keyframes a system
    header and PSM, and the frame in PES packets (only the first carries the PTS)."""
    out = bytearray()
    for n, frame in enumerate(frames):
        pts = 90000 + n * 3600
        out += b"\x00\x00\x01\xba" + bytes([0x44, 0, 4, 0, 4, 1, 0x01, 0x89, 0xC3, 0xF8])
        if 5 in [nal_type(u) for u in split_nal_units(frame)]:
            out += b"\x00\x00\x01\xbb\x00\x0c\x80\x01\x01\x04\xe1\xff\xe0\xe0\x80\xc0\xc0\x08"
            es_map = bytes([stream_type, 0xE0, 0, 0, 0x90, 0xC0, 0, 0])
            body = b"\xe0\xff\x00\x00" + len(es_map).to_bytes(2, "big") + es_map + b"\0\0\0\0"
            out += b"\x00\x00\x01\xbc" + len(body).to_bytes(2, "big") + body
        for k in range(0, len(frame), pes_max):
            piece = frame[k : k + pes_max]
            header = b"\x80\x80\x05" + _pts(pts, 2) if k == 0 else b"\x80\x00\x00"
            out += b"\x00\x00\x01\xe0" + (len(header) + len(piece)).to_bytes(2, "big")
            out += header + piece
    return bytes(out)


def test_ffmpeg_mpeg1_program_stream_in_random_pieces() -> None:
    demuxer, frames = feed_in_pieces(ffmpeg_ps(frames=50))
    assert len(frames) == 50 and all(f.codec == "h264" for f in frames)
    assert demuxer.stats.errors == 0 and demuxer.stats.skipped_bytes == 0
    steps = {b.pts - a.pts for a, b in itertools.pairwise(frames)}  # type: ignore[operator]
    assert steps == {3600}
    keyframes = [
        i for i, f in enumerate(frames) if 5 in [nal_type(u) for u in split_nal_units(f.data)]
    ]
    assert keyframes == [0, 25]


def test_gb_style_program_stream_gives_back_each_frame() -> None:
    sent = encoded_video("libx264", count=60)
    demuxer, frames = feed_in_pieces(gb_mux(sent), seed=3)
    assert demuxer.video_codec == "h264" and demuxer.stream_types == {0xE0: 0x1B, 0xC0: 0x90}
    assert [f.data for f in frames] == [
        b"".join(b"\x00\x00\x00\x01" + u for u in split_nal_units(s)) for s in sent
    ]
    assert [f.pts for f in frames] == [90000 + n * 3600 for n in range(60)]


def test_h265_is_named_from_the_psm_and_sniffed_without_one() -> None:
    demuxer, frames = feed_in_pieces(gb_mux(encoded_video("libx264", count=5), stream_type=0x24))
    assert demuxer.video_codec == "hevc" and frames and frames[0].codec == "hevc"
    demuxer, frames = feed_in_pieces(ffmpeg_ps("h265", frames=5))
    assert demuxer.video_codec == "hevc" and frames and all(f.codec == "hevc" for f in frames)
    assert sniff_video_codec(b"\x00\x00\x01\x67\x42") == "h264"


def test_resynchronises_after_garbage_and_a_reset() -> None:
    data = ffmpeg_ps(frames=50)
    demuxer = PsDemuxer()
    frames = demuxer.feed(data[: len(data) // 3])
    demuxer.reset()  # a loss: what is pending is gone
    frames += demuxer.feed(b"\x00\x00\x01\x17 not a system start code" + random.randbytes(3000))
    frames += demuxer.feed(data[len(data) // 2 :]) + demuxer.flush()
    assert 20 < len(frames) < 50
    assert demuxer.stats.skipped_bytes > 0 or demuxer.stats.errors > 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=64))
def test_noise_never_raises(noise: bytes, piece: int) -> None:
    demuxer = PsDemuxer()
    for i in range(0, len(noise), piece):
        for frame in demuxer.feed(noise[i : i + piece]):
            assert isinstance(frame.data, bytes)
    demuxer.flush()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.binary(min_size=1, max_size=8)), max_size=6))
def test_corrupted_real_stream_never_raises(edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(ffmpeg_ps(frames=10))
    for pos, patch in edits:
        data[pos : pos + len(patch)] = patch
    feed_in_pieces(bytes(data), largest=700)
