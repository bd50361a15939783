"""GopBuffer: the last seconds of a camera, whole GOPs, bounded; follow() misses nothing."""

from __future__ import annotations

import asyncio

import pytest

from media.frames import H264, EncodedFrame, MediaCodec
from media.gop_buffer import GopBuffer

CODEC = MediaCodec(H264, 90000)
IDR = b"\x00\x00\x00\x01\x67\x42\x00\x1f\x00\x00\x00\x01\x68\xce\x00\x00\x00\x01\x65\x88"
P = b"\x00\x00\x00\x01\x41\x9a"


def stream(seconds: float, *, fps: int = 25, gop: int = 50, start: int = 0) -> list[EncodedFrame]:
    """`seconds` of video: a keyframe every `gop` frames (2 s at 25 fps)."""
    return [
        EncodedFrame(IDR if i % gop == 0 else P, start + i * (90000 // fps), CODEC)
        for i in range(int(seconds * fps))
    ]


def test_keeps_whole_gops_reaching_back_at_least_the_window() -> None:
    buffer = GopBuffer(30.0)
    frames = stream(61)
    for frame in frames:
        buffer.push(frame)
    kept = buffer.frames()
    assert kept[0].keyframe and kept[-1] is frames[-1]
    span = (kept[-1].timestamp - kept[0].timestamp) / 90000
    assert 30.0 <= span < 32.0, span  # GOP-aligned: at most one GOP more than asked
    assert kept == frames[-len(kept) :]  # contiguous, nothing dropped inside
    assert buffer.dropped_gops > 0 and 30.0 <= buffer.duration_s < 32.0


def test_nothing_before_the_first_keyframe_and_a_byte_cap() -> None:
    buffer = GopBuffer(30.0, max_bytes=10_000)
    buffer.push(EncodedFrame(P, 0, CODEC))
    assert buffer.frames() == [] and buffer.last_keyframe is None
    big = [EncodedFrame(IDR + bytes(3000), i * 3600, CODEC) for i in range(10)]  # all keyframes
    for frame in big:
        buffer.push(frame)
    assert buffer.bytes <= 10_000 and buffer.frames()[-1] is big[-1]
    assert buffer.last_gop() == [big[-1]]


def test_follow_hands_over_without_a_gap_or_a_repeat() -> None:
    buffer = GopBuffer(4.0)
    frames = stream(10)
    for frame in frames[:120]:
        buffer.push(frame)
    seen: list[EncodedFrame] = []
    preroll = buffer.follow(seen.append)
    for frame in frames[120:200]:
        buffer.push(frame)
    buffer.unfollow(seen.append)
    for frame in frames[200:]:
        buffer.push(frame)
    together = preroll + seen
    assert together[0].keyframe and together == frames[frames.index(preroll[0]) : 200]


async def test_next_keyframe_waits_for_one() -> None:
    buffer = GopBuffer(5.0)
    with pytest.raises(TimeoutError):
        await buffer.next_keyframe(0.05)
    waiting = asyncio.ensure_future(buffer.next_keyframe(5))
    await asyncio.sleep(0)
    buffer.push(EncodedFrame(P, 0, CODEC))
    assert not waiting.done()
    key = EncodedFrame(IDR, 3600, CODEC)
    buffer.push(key)
    assert await waiting is key
    assert await buffer.next_keyframe(0.01) is key
