"""Camera credentials sealed at rest: AES-GCM under the install's key, bound to a row."""

from __future__ import annotations

import base64
import os

import pytest

from rooms.credentials import (
    CredentialBox,
    CredentialError,
    Credentials,
    split_userinfo,
    with_userinfo,
)


def test_sealed_credentials_open_only_with_the_key_and_the_row() -> None:
    box = CredentialBox(os.urandom(32))
    sealed = box.seal(Credentials("admin", "p@ss:wörd/1"), "camera-1")
    assert sealed is not None and sealed.startswith("v1:")
    assert "admin" not in sealed and "p@ss" not in sealed
    assert box.open(sealed, "camera-1") == Credentials("admin", "p@ss:wörd/1")
    with pytest.raises(CredentialError):
        box.open(sealed, "camera-2")  # copied onto another row
    with pytest.raises(CredentialError):
        CredentialBox(os.urandom(32)).open(sealed, "camera-1")  # another install's key
    raw = bytearray(base64.b64decode(sealed[3:]))
    raw[-1] ^= 1
    with pytest.raises(CredentialError):
        box.open("v1:" + base64.b64encode(bytes(raw)).decode(), "camera-1")
    assert box.seal(Credentials(), "camera-1") is None
    assert box.open(None, "camera-1") == Credentials()


def test_two_seals_of_the_same_password_differ() -> None:
    box = CredentialBox(os.urandom(32))
    assert box.seal(Credentials("a", "b"), "x") != box.seal(Credentials("a", "b"), "x")


def test_repr_never_shows_the_password() -> None:
    assert "hunter2" not in repr(Credentials("admin", "hunter2"))
    assert "hunter2" not in str(Credentials("admin", "hunter2"))


def test_userinfo_is_split_off_and_put_back() -> None:
    bare, creds = split_userinfo("rtsp://ad%40min:pa%3Ass@10.0.0.5:554/Streaming/101?x=1")
    assert bare == "rtsp://10.0.0.5:554/Streaming/101?x=1"
    assert creds == Credentials("ad@min", "pa:ss")
    assert split_userinfo(bare) == (bare, Credentials())
    back = with_userinfo(bare, creds)
    assert split_userinfo(back) == (bare, creds)
    assert split_userinfo("rtsp://u:p@[fe80::1]:8554/cam")[0] == "rtsp://[fe80::1]:8554/cam"
