"""Offline verification of a recording directory or exported zip.

Checks, in order: the Ed25519 signature over manifest.json (with the bundled
public key, and against a trusted key if one is given); every segment named in
the manifest is present and re-hashes to its recorded hash; the chain recomputed
from genesis reaches every recorded link and the manifest's head; no segment file
is present that the manifest does not name; the RFC 3161 token (if present)
is granted and covers sha256(manifest.json). The report names the first bad segment.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recorder import manifest as m
from recorder import signing, timestamp
from recorder.chain import ChainEntry, HashUnavailable, genesis, hash_bytes

SEGMENT_FILE = re.compile(r"^t\d+-\d+\.(webm|ts|jpg)$")


@dataclass
class Finding:
    ok: bool
    what: str
    zh: str = ""


@dataclass
class VerifyReport:
    source: str
    findings: list[Finding] = field(default_factory=list)
    first_bad_segment: str | None = None
    recording_id: str = ""
    segments: int = 0
    key_fingerprint: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    def add(self, ok: bool, what: str, zh: str = "") -> None:
        self.findings.append(Finding(ok, what, zh))

    def bad_segment(self, name: str) -> None:
        if self.first_bad_segment is None:
            self.first_bad_segment = name

    def text(self, lang: str = "en") -> str:
        zh = lang == "zh"
        lines = [
            ("录像核验报告: " if zh else "Recording verification: ") + self.source,
            ("录像编号: " if zh else "Recording id: ") + self.recording_id,
            ("片段数: " if zh else "Segments: ") + str(self.segments),
            ("签名公钥指纹(SHA-256): " if zh else "Signing key fingerprint (SHA-256): ")
            + self.key_fingerprint,
        ]
        for f in self.findings:
            mark = "通过" if zh and f.ok else "失败" if zh else "OK  " if f.ok else "FAIL"
            lines.append(f"  [{mark}] {(f.zh or f.what) if zh else f.what}")
        if self.first_bad_segment:
            lines.append(
                ("第一个损坏的片段: " if zh else "First bad segment: ") + self.first_bad_segment
            )
        if zh:
            lines.append("结论: " + ("完整, 未被篡改" if self.ok else "核验失败"))
        else:
            lines.append("Result: " + ("intact" if self.ok else "FAILED"))
        return "\n".join(lines)


@contextmanager
def opened(source: Path) -> Iterator[Path]:
    """A directory holding the recording (a zip is extracted to a temporary one)."""
    if source.is_dir():
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="evidence-") as tmp, zipfile.ZipFile(source) as zf:
        root = Path(tmp)
        for info in zf.infolist():
            name = Path(info.filename).name  # flat bundle; never follow paths out
            if info.is_dir() or not name:
                continue
            (root / name).write_bytes(zf.read(info))
        yield root


def verify(
    source: Path, trusted_key: bytes | None = None, tsa_ca: Path | None = None
) -> VerifyReport:
    report = VerifyReport(str(source))
    try:
        with opened(source) as directory:
            _verify_dir(directory, report, trusted_key, tsa_ca)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add(False, f"cannot read {source}: {exc}", f"无法读取 {source}: {exc}")
    return report


def _read(directory: Path, name: str, report: VerifyReport) -> bytes | None:
    try:
        return (directory / name).read_bytes()
    except OSError:
        report.add(False, f"{name} is missing", f"缺少 {name}")
        return None


def _verify_dir(
    directory: Path, report: VerifyReport, trusted_key: bytes | None, tsa_ca: Path | None
) -> None:
    body = _read(directory, m.MANIFEST_FILE, report)
    sig = _read(directory, m.SIGNATURE_FILE, report)
    pem = _read(directory, m.PUBLIC_KEY_FILE, report)
    if body is None:
        return
    if sig is not None and pem is not None:
        try:
            key = signing.load_public_key(pem)
        except ValueError:
            report.add(
                False, "pubkey.pem is not an Ed25519 public key", "pubkey.pem 不是 Ed25519 公钥"
            )
        else:
            report.key_fingerprint = signing.fingerprint(key)
            if signing.signature_valid(key, sig, body):
                report.add(True, "manifest signature valid", "清单签名有效")
            else:
                report.add(
                    False,
                    "manifest signature INVALID: manifest.json or manifest.sig altered",
                    "清单签名无效: manifest.json 或 manifest.sig 被改动",
                )
            if trusted_key is not None:
                trusted = signing.fingerprint(signing.load_public_key(trusted_key))
                same = trusted == report.key_fingerprint
                report.add(
                    same,
                    "signed by the trusted key"
                    if same
                    else "signed by a key other than the trusted key",
                    "由受信任的公钥签名" if same else "签名公钥不是受信任的公钥",
                )
    try:
        manifest: dict[str, Any] = json.loads(body)
    except ValueError:
        report.add(False, "manifest.json is not valid JSON", "manifest.json 不是有效的 JSON")
        return
    report.manifest = manifest
    report.recording_id = str(manifest.get("recording_id", ""))
    _verify_segments(directory, manifest, report)
    tsr = directory / m.TIMESTAMP_FILE
    if tsr.exists():
        check = timestamp.check_response(tsr.read_bytes(), body)
        ok = check.granted and check.imprint_matches
        report.add(
            ok,
            f"RFC 3161 timestamp token: {check.detail}",
            f"RFC 3161 时间戳: {'有效' if ok else '无效'} ({check.detail})",
        )
        if tsa_ca is not None:
            ok, out = timestamp.openssl_verify(directory / m.MANIFEST_FILE, tsr, tsa_ca)
            report.add(
                ok,
                f"openssl ts -verify: {out.splitlines()[-1] if out else ''}",
                "时间戳签名经 openssl 核验" + ("通过" if ok else "失败"),
            )


def _verify_segments(directory: Path, manifest: dict[str, Any], report: VerifyReport) -> None:
    try:
        algorithm = str(manifest["hash_algorithm"])
        recording_id = str(manifest["recording_id"])
        segments = list(manifest["segments"])
        head = genesis(algorithm, recording_id)
    except (KeyError, TypeError, HashUnavailable) as exc:
        report.add(
            False, f"manifest lacks what verification needs: {exc}", f"清单内容不完整: {exc}"
        )
        return
    report.segments = len(segments)
    if head != manifest.get("chain_genesis"):
        report.add(
            False, "chain genesis does not match the recording id", "哈希链起点与录像编号不符"
        )
    bad = 0
    named: set[str] = set()
    for index, seg in enumerate(segments):
        try:
            name = str(seg["file"])
            named.add(name)
            if seg["seq"] != index:
                raise ValueError(f"seq {seg['seq']} at position {index}")
            path = directory / Path(name).name
            if not path.is_file():
                report.add(False, f"segment {index} {name}: missing", f"片段 {index} {name}: 缺失")
                report.bad_segment(name)
                bad += 1
                actual = seg["hash"]
            else:
                actual = hash_bytes(algorithm, path.read_bytes())
                if actual != seg["hash"]:
                    report.add(
                        False,
                        f"segment {index} {name}: hash mismatch (content altered or replaced)",
                        f"片段 {index} {name}: 哈希不符 (内容被改动或替换)",
                    )
                    report.bad_segment(name)
                    bad += 1
            entry = ChainEntry(
                index, actual, float(seg["start"]), float(seg["duration"]), str(seg["track"])
            )
            head = entry.link(algorithm, head)
            if head != seg.get("chain"):
                report.add(
                    False,
                    f"segment {index} {name}: chain link broken",
                    f"片段 {index} {name}: 哈希链断裂",
                )
                report.bad_segment(name)
                bad += 1
        except (KeyError, TypeError, ValueError) as exc:
            report.add(
                False,
                f"segment entry {index} malformed: {exc}",
                f"片段条目 {index} 格式错误: {exc}",
            )
            report.bad_segment(f"#{index}")
            bad += 1
    if not bad:
        report.add(
            True,
            f"all {len(segments)} segments present, hashes and chain match",
            f"全部 {len(segments)} 个片段齐全, 哈希与哈希链一致",
        )
    if head == manifest.get("chain_head"):
        report.add(True, "chain head matches the manifest", "哈希链末端与清单一致")
    else:
        report.add(False, "chain head does not match the manifest", "哈希链末端与清单不符")
    excluded = {str(e.get("file")) for e in manifest.get("excluded_segments", [])}
    for path in sorted(directory.iterdir()):
        if SEGMENT_FILE.match(path.name) and path.name not in named and path.name not in excluded:
            report.add(
                False,
                f"{path.name}: segment file not named in the manifest",
                f"{path.name}: 清单中没有的片段文件",
            )
    for e in manifest.get("excluded_segments", []):
        report.add(
            True,
            f"excluded by recovery (named in manifest): {e.get('file')}: {e.get('reason')}",
            f"恢复时排除(清单已载明): {e.get('file')}: {e.get('reason')}",
        )
