"""Camera and device credentials, encrypted at rest.

A `CredentialBox` seals a small JSON object ({"username": ..., "password": ...})
with AES-256-GCM under the install's camera key (DATA_DIR/camera.key, made on
first run by hub.keyfile, never committed). The stored text is
"v1:" + base64(nonce || ciphertext+tag); the camera's id is the associated data,
so a sealed value copied onto another camera row does not open. Decrypted values
exist only in memory, only where a source is built, and are never logged or
returned by the API (`Credentials.__repr__` hides the password).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"
KEY_BYTES = 32


class CredentialError(Exception):
    """A sealed value that does not open (another install's key, or altered)."""


@dataclass(frozen=True)
class Credentials:
    username: str = ""
    password: str = ""

    def __bool__(self) -> bool:
        return bool(self.username or self.password)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password={'***' if self.password else ''})"


class CredentialBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the camera key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, credentials: Credentials, bound_to: str) -> str | None:
        """The stored form of `credentials` for the row `bound_to` (None when empty)."""
        if not credentials:
            return None
        plain = json.dumps({"u": credentials.username, "p": credentials.password}).encode()
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, plain, bound_to.encode())
        return PREFIX + base64.b64encode(sealed).decode()

    def open(self, stored: str | None, bound_to: str) -> Credentials:
        if not stored:
            return Credentials()
        if not stored.startswith(PREFIX):
            raise CredentialError("unknown credential format")
        try:
            raw = base64.b64decode(stored[len(PREFIX) :], validate=True)
            plain = self._aead.decrypt(raw[:12], raw[12:], bound_to.encode())
            data = json.loads(plain)
        except (InvalidTag, ValueError) as exc:
            raise CredentialError(
                "凭据无法解密（密钥不符或被改动）/ credentials do not decrypt"
            ) from exc
        return Credentials(str(data.get("u", "")), str(data.get("p", "")))


def split_userinfo(url: str) -> tuple[str, Credentials]:
    """An RTSP URL without its userinfo, and the credentials that were in it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, Credentials()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, Credentials(unquote(parts.username or ""), unquote(parts.password or ""))


def with_userinfo(url: str, credentials: Credentials) -> str:
    """The URL a source pulls from: `url` with the credentials put back in."""
    if not credentials:
        return url
    parts = urlsplit(url)
    user = quote(credentials.username, safe="")
    password = quote(credentials.password, safe="")
    userinfo = f"{user}:{password}" if credentials.password else user
    return urlunsplit(
        (parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment)
    )
