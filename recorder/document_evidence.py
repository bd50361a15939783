"""Documents sealed as evidence exactly as recordings are (recorder.chain,
recorder.manifest): each file hashed into the chain in order, a manifest signed
with the install's Ed25519 key, verifiable offline with
`mediation-hub evidence verify <dir>` (recorder.verify, unchanged: a document is
a "segment" of duration 0 whose track is `document`).

Used for the signed mediation agreement: <data_dir>/agreements/<evidence-id>/
holds the PDF, each signature image, the agreement's text as canonical JSON,
and manifest.json / manifest.sig / pubkey.pem.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recorder import manifest as manifest_mod
from recorder import signing
from recorder.chain import Chain, ChainEntry, genesis, hash_bytes
from recorder.sealer import software_version

AGREEMENTS_DIR = "agreements"
DOCUMENT_TRACK = "document"


@dataclass(frozen=True)
class SealedDocument:
    evidence_id: str
    directory: Path
    manifest_sha256: str
    file_hashes: dict[str, str]  # file name -> hash


def agreements_dir(data_dir: Path) -> Path:
    return data_dir / AGREEMENTS_DIR


def new_evidence_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(4)


def seal_documents(
    root: Path,
    files: list[tuple[str, bytes]],
    about: dict[str, Any],
    key: Ed25519PrivateKey,
    *,
    algorithm: str = "sha256",
    evidence_id: str | None = None,
) -> SealedDocument:
    """Write `files` (name, bytes) into a new directory under `root`, chain them
    and sign the manifest (`about` says what they are). Blocking: run it in a thread."""
    evidence_id = evidence_id or new_evidence_id()
    directory = root / evidence_id
    directory.mkdir(parents=True, exist_ok=False)
    chain = Chain(algorithm, evidence_id)
    sealed_at = time.time()
    segments = []
    hashes: dict[str, str] = {}
    for seq, (name, data) in enumerate(files):
        if "/" in name or name.startswith(".") or name in _RESERVED:
            raise ValueError(f"bad document name {name!r}")
        _write(directory / name, data)
        digest = hash_bytes(algorithm, data)
        hashes[name] = digest
        entry = ChainEntry(seq, digest, sealed_at, 0.0, DOCUMENT_TRACK)
        segments.append(
            {
                "seq": seq,
                "file": name,
                "track": DOCUMENT_TRACK,
                "hash": digest,
                "bytes": len(data),
                "start": sealed_at,
                "duration": 0.0,
                "chain": chain.extend(entry),
            }
        )
    sealed_iso = datetime.fromtimestamp(sealed_at, UTC).isoformat(timespec="milliseconds")
    manifest = {
        "manifest_version": manifest_mod.MANIFEST_VERSION,
        "kind": about.get("kind", "document"),
        "recording_id": evidence_id,  # the chain's genesis names it (recorder.verify)
        **{k: v for k, v in about.items() if k != "kind"},
        "segments": segments,
        "excluded_segments": [],
        "hash_algorithm": algorithm,
        "chain_genesis": genesis(algorithm, evidence_id),
        "chain_head": chain.head,
        "started_at": sealed_iso,
        "ended_at": sealed_iso,
        "software": software_version(),
        "signing_key_sha256": signing.fingerprint(key.public_key()),
    }
    body = manifest_mod.write_signed(directory, manifest, key)
    return SealedDocument(evidence_id, directory, hash_bytes("sha256", body), hashes)


_RESERVED = {
    manifest_mod.MANIFEST_FILE,
    manifest_mod.SIGNATURE_FILE,
    manifest_mod.PUBLIC_KEY_FILE,
    manifest_mod.TIMESTAMP_FILE,
}


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def seal_agreement(
    data_dir: Path,
    algorithm: str,
    content: dict[str, Any],
    signatures: list[Any],
    about: dict[str, Any],
    footer: str,
) -> SealedDocument:
    """Render the agreement's PDF and seal it with its text and signatures
    (recorder.agreement_pdf.SignatureImage). Blocking and CPU-heavy: a worker
    process runs it (it loads the install's key from `data_dir` itself)."""
    from recorder.agreement_pdf import render
    from recorder.manifest import canonical_json
    from recorder.signing import load_or_create_signing_key

    key = load_or_create_signing_key(data_dir)
    files = [
        ("agreement.pdf", render(content, signatures, footer=footer)),
        ("content.json", canonical_json(content)),
        *[(f"signature-{i + 1:02d}.png", s.png) for i, s in enumerate(signatures)],
    ]
    return seal_documents(agreements_dir(data_dir), files, about, key, algorithm=algorithm)
