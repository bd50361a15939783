"""Bundle a recording into a zip: segments, manifest, signature, public key,
timestamp token and a verification report (Chinese first, then English)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from typing import TextIO

from recorder import manifest as m
from recorder.verify import SEGMENT_FILE, verify

REPORT_FILE = "VERIFICATION-REPORT.txt"


class ExportError(Exception):
    pass


def _progress(done: int, total: int, out: TextIO) -> None:
    width = 30
    filled = width * done // max(total, 1)
    pct = 100 * done // max(total, 1)
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {pct:3d}% {done}/{total} bytes")
    out.flush()


def export_recording(directory: Path, out_zip: Path, progress: TextIO | None = sys.stderr) -> Path:
    """Write out_zip from a sealed recording directory; returns out_zip."""
    if not (directory / m.MANIFEST_FILE).is_file():
        raise ExportError(f"{directory} has no manifest (recording not sealed yet?)")
    report = verify(directory)
    text = (
        report.text("zh")
        + "\n\n"
        + report.text("en")
        + "\n\n离线核验 / verify offline: mediation-hub evidence verify <this.zip>\n"
    )
    names = [m.MANIFEST_FILE, m.SIGNATURE_FILE, m.PUBLIC_KEY_FILE, m.TIMESTAMP_FILE]
    files = [directory / n for n in names if (directory / n).is_file()]
    files += sorted(p for p in directory.iterdir() if SEGMENT_FILE.match(p.name))
    total = sum(p.stat().st_size for p in files)
    done = 0
    tmp = out_zip.with_name(out_zip.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(REPORT_FILE, text.encode("utf-8"))
        for path in files:
            with open(path, "rb") as src, zf.open(path.name, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        _progress(done, total, progress)
    if progress is not None:
        _progress(total, total, progress)
        progress.write("\n")
    tmp.replace(out_zip)
    return out_zip
