from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from media.frames import EncodedFrame
from recorder.segment_writer import TS_AUD, ClosedSegment, SegmentWriter, vp8_dimensions
from tests.recorder.media_samples import (
    H264_CODEC,
    OPUS_CODEC,
    VP8_CODEC,
    demux,
    opus_frames,
    video_frames,
)


def write(tmp_path: Path, frames: list[EncodedFrame], duration: float = 0.5) -> list[ClosedSegment]:
    closed: list[ClosedSegment] = []
    writer = SegmentWriter(
        tmp_path,
        "t01",
        frames[0].codec,
        segment_duration_s=duration,
        on_open=lambda s: None,
        on_close=closed.append,
    )
    for frame in frames:
        writer.write(frame)
    writer.close()
    return closed


@pytest.mark.parametrize("codec", [VP8_CODEC, H264_CODEC], ids=["vp8", "h264"])
def test_video_segments_hold_exactly_the_frames_and_start_on_keyframes(tmp_path, codec):
    frames = video_frames(codec, 90)
    closed = write(tmp_path, frames)
    assert len(closed) == 6  # a keyframe every 15 frames (0.5 s), 0.5 s segments
    got: list[bytes] = []
    for segment in closed:
        payloads = demux(str(segment.path))
        assert len(payloads) == segment.frames
        got.extend(payloads)
    sent = [f.data for f in frames]
    if codec is H264_CODEC:
        # MPEG-TS adds an access unit delimiter before each access unit, nothing else
        assert all(not d.startswith(TS_AUD) for d in sent)
        sent = [TS_AUD + d for d in sent]
    assert got == sent
    index = 0
    for segment in closed:
        assert frames[index].keyframe
        index += segment.frames


def test_opus_segments_hold_exactly_the_packets(tmp_path):
    frames = opus_frames(120)
    closed = write(tmp_path, frames)
    assert [s.frames for s in closed] == [25, 25, 25, 25, 20]
    assert [p for s in closed for p in demux(str(s.path))] == [f.data for f in frames]
    assert closed[0].duration_s == pytest.approx(0.5)
    assert closed[1].first_ts == 25 * 960


def test_video_before_the_first_keyframe_is_skipped(tmp_path):
    frames = video_frames(VP8_CODEC, 90)
    closed = write(tmp_path, frames[3:])  # starts mid-GOP
    assert demux(str(closed[0].path))[0] == frames[15].data


def test_rtp_timestamp_wraparound_keeps_time_increasing(tmp_path):
    frames = [
        EncodedFrame(f.data, (0xFFFFFFFF - 3000 + f.timestamp) & 0xFFFFFFFF, f.codec)
        for f in video_frames(VP8_CODEC, 30)
    ]
    closed = write(tmp_path, frames, duration=10)
    assert len(closed) == 1
    assert closed[0].last_ts - closed[0].first_ts == 29 * 3000


def test_vp8_dimensions_come_from_the_keyframe_header():
    assert vp8_dimensions(video_frames(VP8_CODEC, 1)[0].data) == (160, 120)


@pytest.mark.parametrize("codec", [VP8_CODEC, H264_CODEC, OPUS_CODEC], ids=["vp8", "h264", "opus"])
def test_ffprobe_opens_every_segment(tmp_path, codec):
    ffprobe = shutil.which("ffprobe")
    assert ffprobe, "ffprobe missing: scripts/install-test-deps.sh installs ffmpeg"
    frames = opus_frames(60) if codec is OPUS_CODEC else video_frames(codec, 30)
    for segment in write(tmp_path, frames):
        out = subprocess.run(
            [
                ffprobe,
                "-v",
                "error",
                "-count_packets",
                "-show_streams",
                "-of",
                "json",
                str(segment.path),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        stream = json.loads(out.stdout)["streams"][0]
        assert stream["codec_name"] == {"video/VP8": "vp8", "video/H264": "h264"}.get(
            codec.mime_type, "opus"
        )
        assert int(stream["nb_read_packets"]) == segment.frames


def test_opus_segments_carry_an_opus_head(tmp_path):
    """Matroska's Opus mapping (and browsers' Media Source Extensions) need the
    OpusHead in CodecPrivate; the frames stay as sent."""
    closed = []
    writer = SegmentWriter(
        tmp_path,
        "t01",
        OPUS_CODEC,
        segment_duration_s=10,
        on_open=lambda s: None,
        on_close=closed.append,
    )
    frames = opus_frames(20)
    for frame in frames:
        writer.write(frame)
    writer.close()
    data = closed[0].path.read_bytes()
    head = data[data.index(b"OpusHead") :][:19]
    assert head[8] == 1 and head[9] == OPUS_CODEC.channels  # version, channel count
    assert int.from_bytes(head[12:16], "little") == 48000
    assert demux(str(closed[0].path)) == [f.data for f in frames]
