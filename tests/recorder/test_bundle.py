"""Hostile zips given to `evidence verify`: bombs, duplicate entries, headers that
lie about sizes. Refused with a clear reason, in bounded memory (measured as the
peak RSS of a child process that runs the verification)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from recorder.bundle import ZipLimits
from recorder.verify import verify
from tests.recorder.zips import MIB, bomb, stored, write_zip, zeros_deflated

ROOT = Path(__file__).resolve().parents[2]

# Runs verify() in a fresh interpreter and prints its peak RSS before and after.
CHILD = """
import json, resource, sys
from pathlib import Path
from recorder.bundle import ZipLimits
from recorder.verify import verify
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = verify(Path(sys.argv[1]), limits=ZipLimits(max_ratio=float(sys.argv[2])))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kib": before, "after_kib": after, "ok": report.ok,
                  "text": report.text("en")}))
"""


def _verify_in_child(source: Path, max_ratio: float = ZipLimits().max_ratio) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(max_ratio)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    result["grew_mib"] = (result["after_kib"] - result["before_kib"]) / 1024
    return result


def _manifest_naming(name: str) -> bytes:
    segment = {"seq": 0, "file": name, "hash": "00" * 32, "start": 0.0, "duration": 1.0}
    segment |= {"track": "t01", "chain": "00" * 32}
    manifest = {"hash_algorithm": "sha256", "recording_id": "r", "segments": [segment]}
    return json.dumps(manifest).encode()


def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    source = bomb(tmp_path / "bomb.zip", mib=1024)  # 1 GiB of zeros in about 1 MB
    assert source.stat().st_size < 2 * MIB
    result = _verify_in_child(source)
    print(f"zip bomb: peak RSS grew {result['grew_mib']:.1f} MiB")
    assert not result["ok"]
    assert "zip bomb" in result["text"] and "refused" in result["text"]
    assert result["grew_mib"] < 32, result


def test_hashing_streams_even_when_the_ratio_is_let_through(tmp_path: Path) -> None:
    """With the ratio cap lifted, a 512 MiB segment is hashed as a stream."""
    segment = zeros_deflated(512)
    segment.name = "t01-00001.webm"
    source = write_zip(
        tmp_path / "big.zip", [stored("manifest.json", _manifest_naming(segment.name)), segment]
    )
    result = _verify_in_child(source, max_ratio=1e12)
    print(f"512 MiB segment hashed: peak RSS grew {result['grew_mib']:.1f} MiB")
    assert not result["ok"] and "hash mismatch" in result["text"]  # it was read and hashed
    assert result["grew_mib"] < 32, result


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    source = write_zip(
        tmp_path / "dup.zip",
        [
            stored("manifest.json", _manifest_naming("t01-00001.webm")),
            stored("t01-00001.webm", b"the real one"),
            stored("t01-00001.webm", b"the other one"),
        ],
    )
    report = verify(source)
    assert not report.ok
    assert "duplicate entry 't01-00001.webm'" in report.text("en")
    assert "重复的条目" in report.text("zh")
    # the same name under a folder is the same file once the bundle is flattened
    nested = write_zip(
        tmp_path / "nested.zip",
        [stored("manifest.json", b"{}"), stored("x/manifest.json", b"{}")],
    )
    assert "duplicate entry" in verify(nested).text("en")


def test_entries_that_lie_about_their_size_are_refused(tmp_path: Path) -> None:
    more = zeros_deflated(4)
    more.name, more.declared_size = "t01-00001.webm", MIB  # 4 MiB inside, 1 MiB declared
    source = write_zip(
        tmp_path / "lie.zip", [stored("manifest.json", _manifest_naming(more.name)), more]
    )
    text = verify(source).text("en")
    assert "refused" in text or "cannot read" in text, text
    assert not verify(source).ok


def test_too_many_entries_and_too_much_declared_data_are_refused(tmp_path: Path) -> None:
    many = write_zip(tmp_path / "many.zip", [stored(f"f{i}", b"") for i in range(20)])
    assert "20 entries" in verify(many, limits=ZipLimits(max_entries=10)).text("en")
    big = write_zip(tmp_path / "big.zip", [stored("a", bytes(1000)), stored("b", bytes(1000))])
    assert "declared size over" in verify(big, limits=ZipLimits(max_total_bytes=1500)).text("en")
