"""What a recording is about (metadata, participants, consents) and its signed manifest.

manifest.json is canonical JSON (sorted keys, no spaces, UTF-8); manifest.sig is the
raw 64-byte Ed25519 signature over exactly those bytes; pubkey.pem is the signer's
public key; manifest.tsr the RFC 3161 TimeStampResp over sha256(manifest.json).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recorder import signing

MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "manifest.sig"
PUBLIC_KEY_FILE = "pubkey.pem"
TIMESTAMP_FILE = "manifest.tsr"
MANIFEST_VERSION = 1


@dataclass
class Participant:
    id: str
    name: str
    role: str  # "party", "mediator", "expert", ...
    identified_by: str  # how identity was established: "invite:sms", "id-card", "staff-login"


@dataclass
class Consent:
    participant_id: str
    given_at: str  # ISO 8601 UTC
    method: str  # "party-page-checkbox", "verbal-recorded", ...
    notice_sha256: str = ""  # hash of the notice text shown
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordingMetadata:
    case_id: str
    room: str
    organisation: str
    participants: list[Participant] = field(default_factory=list)
    case_title: str = ""
    started_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordingMetadata:
        data = dict(data)
        data["participants"] = [Participant(**p) for p in data.get("participants", [])]
        return cls(**data)


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_signed(directory: Path, manifest: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """Write manifest.json, manifest.sig and pubkey.pem; return the manifest bytes."""
    body = canonical_json(manifest)
    _write_synced(directory / MANIFEST_FILE, body)
    _write_synced(directory / SIGNATURE_FILE, signing.sign(key, body))
    _write_synced(directory / PUBLIC_KEY_FILE, signing.public_key_pem(key.public_key()))
    return body


def _write_synced(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
