"""Offline verification of a recording directory or exported zip.

Checks, in order: the Ed25519 signature over manifest.json (with the bundled
public key) and whether that key is the trusted one (the install's own, or one
given); every segment named in the manifest is present and re-hashes to its
recorded hash; the chain recomputed from genesis reaches every recorded link and
the manifest's head; no segment file is present that the manifest does not name;
the RFC 3161 token (if present) is granted and covers sha256(manifest.json). The
report names the first bad segment.

A bundle is self-consistent when every check passes (`ok`); anyone can make a
self-consistent bundle by re-signing a doctored recording with a key of their
own. It is `verified` only when, in addition, it is signed by the trusted key.
Without a trusted key the report says so and is never `verified`. Zips are read
in place, as streams, with caps (recorder.bundle).
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recorder import manifest as m
from recorder import signing, timestamp
from recorder.bundle import BundleRefused, Source, ZipLimits, open_source
from recorder.chain import ChainEntry, HashUnavailable, genesis

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
    trusted_fingerprint: str = ""  # of the trusted key given; "" when none was
    key_trusted: bool | None = None  # signed by the trusted key? None: no key given
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every check passed: self-consistent (and, if a trusted key was given,
        signed by it). Say "verified" only with `verified`."""
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def verified(self) -> bool:
        """Self-consistent AND signed by the trusted key."""
        return self.ok and self.key_trusted is True

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
            ("受信任公钥指纹(SHA-256): " if zh else "Trusted key fingerprint (SHA-256): ")
            + (self.trusted_fingerprint or ("未提供" if zh else "none given")),
        ]
        for f in self.findings:
            mark = "通过" if zh and f.ok else "失败" if zh else "OK  " if f.ok else "FAIL"
            lines.append(f"  [{mark}] {(f.zh or f.what) if zh else f.what}")
        if self.first_bad_segment:
            lines.append(
                ("第一个损坏的片段: " if zh else "First bad segment: ") + self.first_bad_segment
            )
        lines.append(("结论: " if zh else "Result: ") + self.conclusion(lang))
        return "\n".join(lines)

    def conclusion(self, lang: str = "en") -> str:
        zh = lang == "zh"
        if self.verified:
            return (
                "完整, 未被篡改, 由受信任的公钥签名" if zh else "intact, signed by the trusted key"
            )
        if self.ok:  # self-consistent, but nobody said whose key signs our evidence
            return (
                "签名仅对一个未经信任的公钥有效 (任何人都能用自己的密钥重新签名); "
                "请用 --pubkey 提供本系统的公钥"
                if zh
                else "signature valid for an UNTRUSTED key (anyone can re-sign with a key "
                "of their own); pass --pubkey with the install's public key"
            )
        return "核验失败" if zh else "FAILED"


def verify(
    source: Path,
    trusted_key: bytes | None = None,
    tsa_ca: Path | None = None,
    limits: ZipLimits = ZipLimits(),
) -> VerifyReport:
    """Check `source` (a recording directory or an exported zip); with
    `trusted_key` (PEM), also that the manifest is signed by that key."""
    report = VerifyReport(str(source))
    if trusted_key is not None:
        try:
            report.trusted_fingerprint = signing.fingerprint(signing.load_public_key(trusted_key))
        except ValueError:
            report.add(
                False, "the trusted key is not an Ed25519 public key", "受信任公钥不是 Ed25519 公钥"
            )
            return report
    try:
        with open_source(source, limits) as files:
            _verify_dir(files, report, tsa_ca)
    except BundleRefused as exc:
        report.add(False, f"bundle refused: {exc.reason}", f"证据包被拒绝: {exc.zh}")
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        report.add(False, f"cannot read {source}: {exc}", f"无法读取 {source}: {exc}")
    return report


def _read(files: Source, name: str, report: VerifyReport) -> bytes | None:
    data = files.read_small(name)
    if data is None:
        report.add(False, f"{name} is missing", f"缺少 {name}")
    return data


def _verify_dir(files: Source, report: VerifyReport, tsa_ca: Path | None) -> None:
    body = _read(files, m.MANIFEST_FILE, report)
    sig = _read(files, m.SIGNATURE_FILE, report)
    pem = _read(files, m.PUBLIC_KEY_FILE, report)
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
            if report.trusted_fingerprint:
                same = report.trusted_fingerprint == report.key_fingerprint
                report.key_trusted = same
                report.add(
                    same,
                    "signed by the trusted key"
                    if same
                    else "signed by ANOTHER key, not the trusted key: not this install's evidence",
                    "由受信任的公钥签名"
                    if same
                    else "签名公钥不是受信任的公钥: 并非本系统出具的证据",
                )
    try:
        manifest: dict[str, Any] = json.loads(body)
    except ValueError:
        report.add(False, "manifest.json is not valid JSON", "manifest.json 不是有效的 JSON")
        return
    report.manifest = manifest
    report.recording_id = str(manifest.get("recording_id", ""))
    _verify_segments(files, manifest, report)
    tsr = files.read_small(m.TIMESTAMP_FILE)
    if tsr is not None:
        check = timestamp.check_response(tsr, body)
        ok = check.granted and check.imprint_matches
        report.add(
            ok,
            f"RFC 3161 timestamp token: {check.detail}",
            f"RFC 3161 时间戳: {'有效' if ok else '无效'} ({check.detail})",
        )
        if tsa_ca is not None:
            with files.on_disk(m.MANIFEST_FILE, m.TIMESTAMP_FILE) as directory:
                ok, out = timestamp.openssl_verify(
                    directory / m.MANIFEST_FILE, directory / m.TIMESTAMP_FILE, tsa_ca
                )
            report.add(
                ok,
                f"openssl ts -verify: {out.splitlines()[-1] if out else ''}",
                "时间戳签名经 openssl 核验" + ("通过" if ok else "失败"),
            )


def _verify_segments(files: Source, manifest: dict[str, Any], report: VerifyReport) -> None:
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
            hashed = files.hash(algorithm, Path(name).name)
            if hashed is None:
                report.add(False, f"segment {index} {name}: missing", f"片段 {index} {name}: 缺失")
                report.bad_segment(name)
                bad += 1
                actual = seg["hash"]
            else:
                actual = hashed
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
    for name in sorted(files.names()):
        if SEGMENT_FILE.match(name) and name not in named and name not in excluded:
            report.add(
                False,
                f"{name}: segment file not named in the manifest",
                f"{name}: 清单中没有的片段文件",
            )
    for e in manifest.get("excluded_segments", []):
        report.add(
            True,
            f"excluded by recovery (named in manifest): {e.get('file')}: {e.get('reason')}",
            f"恢复时排除(清单已载明): {e.get('file')}: {e.get('reason')}",
        )
