"""Tamper tests: whatever is changed, verify fails and names it; untouched verifies."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recorder.export import README_FILE, export_recording
from recorder.settings import RecorderSettings
from recorder.signing import load_or_create_signing_key, trusted_public_key
from recorder.verify import verify
from tests.recorder.conftest import record
from tests.recorder.forgery import drop_segment_and_resign
from tests.recorder.media_samples import OPUS_CODEC, VP8_CODEC, opus_frames, video_frames


def _make(root: Path) -> Path:
    key = load_or_create_signing_key(root / "data")
    config = RecorderSettings(segment_duration_s=0.5)
    feeds = [(VP8_CODEC, video_frames(VP8_CODEC, 60)), (OPUS_CODEC, opus_frames(60))]
    rec, _ = asyncio.run(record(root, key, config, feeds))
    return rec.directory


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> tuple[Path, Path]:
    """Two sealed recordings (the second one to swap segments in from)."""
    return _make(tmp_path_factory.mktemp("one")), _make(tmp_path_factory.mktemp("two"))


def segments(directory: Path) -> list[str]:
    return [s["file"] for s in json.loads((directory / "manifest.json").read_bytes())["segments"]]


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0xFF
    path.write_bytes(bytes(data))


def test_untouched_recording_and_its_export_verify(recordings, tmp_path):
    directory, _ = recordings
    report = verify(directory)
    assert report.ok, report.text()
    assert report.first_bad_segment is None
    assert not report.verified  # no trusted key given: never "verified"
    assert "UNTRUSTED" in report.text("en")
    trusted = trusted_public_key(directory.parent.parent / "data")
    assert trusted is not None
    assert verify(directory, trusted_key=trusted).verified
    bundle = export_recording(directory, tmp_path / "out.zip", progress=None, trusted_key=trusted)
    assert verify(bundle).ok and verify(bundle, trusted_key=trusted).verified
    with zipfile.ZipFile(bundle) as zf:
        readme = zf.read(README_FILE).decode()
    assert "intact, signed by the trusted key" in readme and "--pubkey" in readme
    assert readme.index("证据公钥指纹") < readme.index("evidence key fingerprint")


def test_a_resigned_forgery_is_consistent_but_not_verified(recordings, tmp_path):
    """Drop a segment, re-chain, re-sign with another key: every internal check
    passes, so only the install's trusted key can tell."""
    original, _ = recordings
    directory = tmp_path / "rec"
    shutil.copytree(original, directory)
    trusted = trusted_public_key(original.parent.parent / "data")
    drop_segment_and_resign(directory)
    alone = verify(directory)
    assert alone.ok and not alone.verified  # self-consistent, but whose key?
    report = verify(directory, trusted_key=trusted)
    assert not report.ok and not report.verified and report.key_trusted is False
    assert "ANOTHER key" in report.text("en") and report.key_fingerprint != (
        report.trusted_fingerprint
    )
    assert "FAILED" in report.text("en")
    bundle = export_recording(directory, tmp_path / "x.zip", progress=None, trusted_key=trusted)
    with zipfile.ZipFile(bundle) as zf:
        assert "FAILED" in zf.read(README_FILE).decode()


TAMPERS = st.one_of(
    st.tuples(st.just("segment-byte"), st.integers(0, 100), st.integers(0, 10**7)),
    st.tuples(st.just("manifest-byte"), st.integers(0, 0), st.integers(0, 10**6)),
    st.tuples(st.just("signature-byte"), st.integers(0, 0), st.integers(0, 63)),
    st.tuples(st.just("delete-segment"), st.integers(0, 100), st.integers(0, 0)),
    st.tuples(st.just("reorder"), st.integers(0, 100), st.integers(1, 100)),
    st.tuples(st.just("swap-in-foreign"), st.integers(0, 100), st.integers(0, 100)),
    st.tuples(st.just("pubkey-replaced"), st.integers(0, 0), st.integers(0, 0)),
    st.tuples(st.just("extra-segment"), st.integers(0, 100), st.integers(0, 0)),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tamper=TAMPERS, as_zip=st.booleans())
def test_every_tamper_is_detected_and_named(recordings, tamper, as_zip):
    original, foreign = recordings
    kind, a, b = tamper
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "rec"
        shutil.copytree(original, directory)
        names = segments(directory)
        victim = names[a % len(names)]
        expect_segment: str | None = victim
        expect_text = ""
        if kind == "segment-byte":
            flip(directory / victim, b)
            expect_text = "hash mismatch"
        elif kind == "manifest-byte":
            flip(directory / "manifest.json", b)
            expect_segment, expect_text = None, "signature"
        elif kind == "signature-byte":
            flip(directory / "manifest.sig", b)
            expect_segment, expect_text = None, "signature INVALID"
        elif kind == "delete-segment":
            (directory / victim).unlink()
            expect_text = "missing"
        elif kind == "reorder":
            other = names[(a + b) % len(names)]
            if other == victim:
                other = names[(a + 1) % len(names)]
            first, second = sorted((victim, other), key=names.index)
            p1, p2 = directory / first, directory / second
            d1, d2 = p1.read_bytes(), p2.read_bytes()
            p1.write_bytes(d2)
            p2.write_bytes(d1)
            expect_segment, expect_text = first, "hash mismatch"
        elif kind == "swap-in-foreign":
            foreign_names = segments(foreign)
            shutil.copy(foreign / foreign_names[b % len(foreign_names)], directory / victim)
            expect_text = "hash mismatch"
        elif kind == "pubkey-replaced":
            other_key = foreign.parent.parent / "data" / "evidence" / "signing-key.pub.pem"
            shutil.copy(other_key, directory / "pubkey.pem")
            expect_segment, expect_text = None, "signature INVALID"
        elif kind == "extra-segment":
            shutil.copy(directory / victim, directory / "t99-00001.webm")
            expect_segment, expect_text = None, "not named in the manifest"
        source = directory
        if as_zip:
            source = Path(tmp) / "bundle.zip"
            with zipfile.ZipFile(source, "w") as zf:
                for path in directory.iterdir():
                    zf.write(path, path.name)
        report = verify(source)
        text = report.text()
        assert not report.ok, f"{tamper} not detected:\n{text}"
        if expect_segment is not None:
            assert report.first_bad_segment == expect_segment, text
        assert expect_text in text, text
