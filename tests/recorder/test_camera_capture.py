"""Camera evidence sealed as recordings are: a snapshot (the GOP it was decoded from
and its JPEG) and a clip with pre-roll; `evidence verify` passes, a flipped byte fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recorder.camera_capture import (
    CLIP,
    SNAPSHOT,
    CameraClip,
    CaptureError,
    CaptureInfo,
    finish,
    take_snapshot,
)
from recorder.manifest import RecordingMetadata
from recorder.verify import verify
from tests.recorder.media_samples import H264_CODEC, demux, video_frames


def meta() -> RecordingMetadata:
    return RecordingMetadata(
        case_id="case-1", room="摊位纠纷", organisation="org-1", started_by="李调解"
    )


def info(kind: str) -> CaptureInfo:
    return CaptureInfo(kind, "cam-1", "菜市场东门", "rtsp://10.0.0.8/live", "李调解", "user-1")


def evidence_verify(directory: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The CLI, trusting the install's key (the `key` fixture's data dir)."""
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "evidence", "verify", str(directory), "--lang", "en",
         "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
    )  # fmt: skip


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


async def test_snapshot_is_sealed_with_what_it_was_decoded_from(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    frames = video_frames(H264_CODEC, count=40)  # GOPs of 15
    gop = frames[30:40]
    sealer = take_snapshot(tmp_path, gop, meta(), info(SNAPSHOT))
    directory = await finish(sealer, key)
    assert sorted(p.name for p in directory.iterdir() if p.suffix in (".ts", ".jpg")) == [
        "t01-00001.ts",
        "t01-00002.jpg",
    ]
    with av.open(str(directory / "t01-00002.jpg")) as picture:
        image = next(picture.decode(video=0))
        assert (image.width, image.height) == (160, 120)
    assert demux(str(directory / "t01-00001.ts"))[0].endswith(gop[0].data[-20:])
    manifest = json.loads((directory / "manifest.json").read_text())
    evidence = manifest["evidence"]
    assert evidence["kind"] == "snapshot" and evidence["camera_name"] == "菜市场东门"
    assert evidence["derived"]["t01-00002.jpg"]["from"] == "t01-00001.ts"
    assert manifest["case"]["id"] == "case-1" and manifest["started_by"] == "李调解"
    assert [s["file"] for s in manifest["segments"]] == ["t01-00001.ts", "t01-00002.jpg"]
    assert verify(directory).ok
    ok = evidence_verify(directory, tmp_path / "data")
    assert ok.returncode == 0 and "intact, signed by the trusted key" in ok.stdout, ok.stdout
    flip_a_byte(directory / "t01-00002.jpg")
    bad = evidence_verify(directory, tmp_path / "data")
    assert bad.returncode == 1 and "First bad segment: t01-00002.jpg" in bad.stdout


def test_a_snapshot_needs_a_keyframe_and_leaves_nothing_when_it_fails(tmp_path: Path) -> None:
    frames = video_frames(H264_CODEC, count=20)
    with pytest.raises(CaptureError):
        take_snapshot(tmp_path, frames[1:5], meta(), info(SNAPSHOT))
    assert list(tmp_path.iterdir()) == []


async def test_clip_starts_with_its_preroll_and_continues_live(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    frames = video_frames(H264_CODEC, count=90)  # 3 s at 30 fps, GOPs of 15
    preroll, live = frames[15:45], frames[45:]
    clip = CameraClip(tmp_path, meta(), info(CLIP), segment_duration_s=1.0)
    clip.start(preroll)
    for frame in live:
        clip.push(frame)
    directory = await clip.stop(key)
    assert clip.frames == 75 and abs(clip.preroll_s - 29 / 30) < 0.01
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["evidence"]["kind"] == "clip" and manifest["evidence"]["preroll_s"] > 0.9
    assert manifest["evidence"]["frames"] == 75 and manifest["evidence"]["frames_dropped"] == 0
    assert len(manifest["segments"]) >= 2  # cut at keyframes after a second
    written = [p for s in manifest["segments"] for p in demux(str(directory / s["file"]))]
    assert len(written) == 75 and written[0].endswith(preroll[0].data[-16:])
    flip_a_byte(directory / manifest["segments"][1]["file"])
    report = verify(directory)
    assert not report.ok and report.first_bad_segment == manifest["segments"][1]["file"]
