"""The install's Ed25519 evidence key, created on first use in <data_dir>/evidence/."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_DIR = "evidence"
PRIVATE_KEY_FILE = "signing-key.pem"  # PKCS#8 PEM, mode 0600
PUBLIC_KEY_FILE = "signing-key.pub.pem"  # SubjectPublicKeyInfo PEM


def load_or_create_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The install's evidence signing key, created (mode 0600) on first use."""
    directory = data_dir / KEY_DIR
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / PRIVATE_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key") from None
        return loaded
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    (directory / PUBLIC_KEY_FILE).write_bytes(public_key_pem(key.public_key()))
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: what people compare by phone."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def signature_valid(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def trusted_public_key(data_dir: Path) -> bytes | None:
    """The install's evidence public key (PEM) from its data dir, or None when the
    data dir has no key. Never creates one: this is what verification trusts."""
    private = data_dir / KEY_DIR / PRIVATE_KEY_FILE
    public = data_dir / KEY_DIR / PUBLIC_KEY_FILE
    if private.is_file():  # the private key is the truth; the .pub file a convenience
        loaded = serialization.load_pem_private_key(private.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{private} is not an Ed25519 key")
        return public_key_pem(loaded.public_key())
    if public.is_file():
        return public_key_pem(load_public_key(public.read_bytes()))
    return None
