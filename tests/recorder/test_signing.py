from __future__ import annotations

import stat

from recorder.signing import (
    PRIVATE_KEY_FILE,
    fingerprint,
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
    sign,
    signature_valid,
)


def test_key_is_created_once_private_and_reused(tmp_path):
    key = load_or_create_signing_key(tmp_path)
    path = tmp_path / "evidence" / PRIVATE_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_signing_key(tmp_path)
    assert fingerprint(again.public_key()) == fingerprint(key.public_key())


def test_signature_checks_with_the_public_key_only(tmp_path):
    key = load_or_create_signing_key(tmp_path)
    public = load_public_key(public_key_pem(key.public_key()))
    sig = sign(key, b"manifest")
    assert signature_valid(public, sig, b"manifest")
    assert not signature_valid(public, sig, b"manifesT")
