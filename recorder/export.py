"""Bundle a recording into a zip: segments, manifest, signature, public key,
timestamp token, a README and a verification report (Chinese first, then
English). The report is made against the install's trusted key: a recording
signed by any other key is reported as not verified."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from typing import TextIO

from recorder import manifest as m
from recorder.verify import SEGMENT_FILE, VerifyReport, verify

REPORT_FILE = "VERIFICATION-REPORT.txt"
README_FILE = "README.txt"


class ExportError(Exception):
    pass


def _progress(done: int, total: int, out: TextIO) -> None:
    width = 30
    filled = width * done // max(total, 1)
    pct = 100 * done // max(total, 1)
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {pct:3d}% {done}/{total} bytes")
    out.flush()


def readme(report: VerifyReport) -> str:
    """What the bundle is, what was found at export, and how to check it offline."""
    fingerprint = report.trusted_fingerprint or "?"
    return (
        "调解录像证据包\n"
        f"导出时核验结论: {report.conclusion('zh')}\n"
        f"本系统证据公钥指纹 (SHA-256): {fingerprint}\n"
        "包内 pubkey.pem 只是签名者自带的公钥, 任何人都能换上自己的公钥重新签名;\n"
        "请向出具机构索取其证据公钥 (mediation-hub evidence pubkey), 通过电话等其他途径\n"
        "核对上面的指纹, 然后离线核验:\n"
        "  mediation-hub evidence verify <本文件.zip> --pubkey <机构公钥.pem>\n"
        "详细结果见 VERIFICATION-REPORT.txt。\n\n"
        "Mediation session recording: evidence bundle\n"
        f"Verification at export: {report.conclusion('en')}\n"
        f"The install's evidence key fingerprint (SHA-256): {fingerprint}\n"
        "pubkey.pem inside the bundle is only the signer's own key: anyone can re-sign\n"
        "with a key of their own. Get the issuing office's evidence public key\n"
        "(mediation-hub evidence pubkey), compare the fingerprint above by another\n"
        "channel (phone), then verify offline:\n"
        "  mediation-hub evidence verify <this.zip> --pubkey <office-key.pem>\n"
        "Details: VERIFICATION-REPORT.txt.\n"
    )


def export_recording(
    directory: Path,
    out_zip: Path,
    progress: TextIO | None = sys.stderr,
    trusted_key: bytes | None = None,
) -> Path:
    """Write out_zip from a sealed recording directory; returns out_zip.
    `trusted_key`: the install's evidence public key (PEM) the report checks against."""
    if not (directory / m.MANIFEST_FILE).is_file():
        raise ExportError(f"{directory} has no manifest (recording not sealed yet?)")
    report = verify(directory, trusted_key=trusted_key)
    text = (
        report.text("zh")
        + "\n\n"
        + report.text("en")
        + "\n\n离线核验 / verify offline: mediation-hub evidence verify <this.zip>"
        " --pubkey <office-key.pem>\n"
    )
    names = [m.MANIFEST_FILE, m.SIGNATURE_FILE, m.PUBLIC_KEY_FILE, m.TIMESTAMP_FILE]
    files = [directory / n for n in names if (directory / n).is_file()]
    files += sorted(p for p in directory.iterdir() if SEGMENT_FILE.match(p.name))
    total = sum(p.stat().st_size for p in files)
    done = 0
    tmp = out_zip.with_name(out_zip.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(README_FILE, readme(report).encode("utf-8"))
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
