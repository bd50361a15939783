"""`mediation-hub evidence ...` against recordings made by the real recorder."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from hub.app import build_app
from hub.cli import main
from hub.config import Config
from recorder.export import REPORT_FILE
from recorder.settings import RecorderSettings
from recorder.signing import load_or_create_signing_key, public_key_pem
from recorder.store import STATE_FILE, read_state, write_state
from tests.recorder.conftest import record
from tests.recorder.forgery import drop_segment_and_resign
from tests.recorder.media_samples import OPUS_CODEC, opus_frames


@pytest.fixture
async def recording(tmp_path: Path) -> tuple[Path, Path]:
    data_dir = tmp_path / "data"
    key = load_or_create_signing_key(data_dir)
    rec, _ = await record(
        data_dir, key, RecorderSettings(segment_duration_s=0.5), [(OPUS_CODEC, opus_frames(60))]
    )
    return data_dir, rec.directory


def test_list_pubkey_verify_export(recording, tmp_path, capsys):
    data_dir, directory = recording
    assert main(["evidence", "list", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert directory.name in out and "room-1" in out and "completed" in out
    assert main(["evidence", "list", "--data-dir", str(data_dir), "--room", "other"]) == 0
    assert directory.name not in capsys.readouterr().out

    assert main(["evidence", "pubkey", "--data-dir", str(data_dir)]) == 0
    pem = capsys.readouterr().out
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "trusted.pem").write_text(pem.split("# ")[0])

    out_zip = tmp_path / "bundle.zip"
    assert (
        main(["evidence", "export", directory.name, str(out_zip), "--data-dir", str(data_dir)]) == 0
    )
    captured = capsys.readouterr()
    assert "100%" in captured.err  # progress bar
    with zipfile.ZipFile(out_zip) as zf:
        names = set(zf.namelist())
        report = zf.read(REPORT_FILE).decode()
    assert {"manifest.json", "manifest.sig", "pubkey.pem", REPORT_FILE} <= names
    assert report.index("录像核验报告") < report.index("Recording verification")

    assert (
        main(["evidence", "verify", str(out_zip), "--pubkey", str(tmp_path / "trusted.pem")]) == 0
    )
    assert "intact" in capsys.readouterr().out


def test_verify_fails_with_nonzero_status_naming_the_segment(recording, capsys):
    _, directory = recording
    victim = sorted(directory.glob("t01-*.webm"))[1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 1
    victim.write_bytes(bytes(data))
    assert main(["evidence", "verify", str(directory), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert f"First bad segment: {victim.name}" in out and "FAILED" in out


def test_verify_rejects_a_key_other_than_the_trusted_one(recording, tmp_path, capsys):
    _, directory = recording
    other = load_or_create_signing_key(tmp_path / "other")
    (tmp_path / "other.pem").write_bytes(public_key_pem(other.public_key()))
    assert (
        main(["evidence", "verify", str(directory), "--pubkey", str(tmp_path / "other.pem")]) == 1
    )


async def test_serve_startup_seals_an_interrupted_recording(
    recording, aiohttp_client, hub_config: Config
):
    data_dir, directory = recording
    # make it look like a recording whose process died mid-way
    state = read_state(directory)
    state["state"] = "recording"
    write_state(directory, state)
    (directory / "manifest.json").unlink()
    hub_config.server.data_dir = data_dir
    await aiohttp_client(build_app(hub_config))
    assert read_state(directory)["state"] == "interrupted"
    assert (directory / STATE_FILE).is_file() and (directory / "manifest.json").is_file()


def test_recorder_config_from_environment():
    from hub.config import from_env

    config = from_env(
        env={"MEDIATION_HUB_TSA_URL": "http://tsa.example/", "MEDIATION_HUB_RECORDER_HASH": "sm3"}
    )
    assert config.recorder.tsa_url == "http://tsa.example/"
    assert config.recorder.hash_algorithm == "sm3"
    assert from_env(env={}).recorder == RecorderSettings()


def test_verify_trusts_only_a_key_it_was_given(recording, tmp_path, capsys):
    """Without --pubkey or --data-dir a self-consistent forgery is not "intact"."""
    data_dir, directory = recording
    assert main(["evidence", "verify", str(directory), "--lang", "en"]) == 3
    out = capsys.readouterr().out
    assert "UNTRUSTED" in out and "--pubkey" in out and "intact" not in out
    assert main(["evidence", "verify", str(directory), "--data-dir", str(data_dir)]) == 0
    assert "intact, signed by the trusted key" in capsys.readouterr().out

    drop_segment_and_resign(directory)  # drop a segment, re-chain, re-sign with another key
    assert main(["evidence", "verify", str(directory), "--lang", "en"]) == 3  # consistent...
    assert "UNTRUSTED" in capsys.readouterr().out
    assert main(["evidence", "verify", str(directory), "--data-dir", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "ANOTHER key" in out and "签名公钥不是受信任的公钥" in out and "FAILED" in out
    empty = tmp_path / "no-key"
    empty.mkdir()
    assert main(["evidence", "verify", str(directory), "--data-dir", str(empty)]) == 2
    assert not (empty / "evidence").exists()  # verification never creates a key
