"""SIP digest authentication (RFC 2617 / RFC 8760) for device registration.

Nonces are stateless: a timestamp and an HMAC under a per-process key, so a
challenge needs no storage and a stale or forged nonce is recognised. MD5 is
what GB/T 28181-2016 devices speak; SHA-256 is accepted when a device asks for
it. (GB/T 28181-2022 also allows an SM3 digest: not implemented.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')


def parse_auth_params(value: str) -> tuple[str, dict[str, str]]:
    """('Digest', {username: ..., ...}) from an Authorization header value."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if match is None or match.end() == pos:
            break
        raw = match.group(2)
        if raw.startswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[match.group(1).lower()] = raw
        pos = match.end()
    return scheme, params


def _h(algorithm: str, text: str) -> str:
    return ALGORITHMS[algorithm](text.encode("utf-8")).hexdigest()


def digest_response(
    *,
    algorithm: str,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
) -> str:
    ha1 = _h(algorithm, f"{username}:{realm}:{password}")
    ha2 = _h(algorithm, f"{method}:{uri}")
    if qop:
        return _h(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _h(algorithm, f"{ha1}:{nonce}:{ha2}")


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a device presented: parsed, not yet checked."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str
    qop: str | None
    nc: str | None
    cnonce: str | None


def parse_credentials(value: str) -> Credentials | None:
    scheme, p = parse_auth_params(value)
    if scheme.lower() != "digest":
        return None
    algorithm = (p.get("algorithm") or "MD5").upper()
    if algorithm not in ALGORITHMS:
        return None
    try:
        return Credentials(
            username=p["username"],
            realm=p.get("realm", ""),
            nonce=p["nonce"],
            uri=p["uri"],
            response=p["response"].lower(),
            algorithm=algorithm,
            qop=p.get("qop"),
            nc=p.get("nc"),
            cnonce=p.get("cnonce"),
        )
    except KeyError:
        return None


class DigestAuthority:
    """Issues challenges and checks answers for one realm (the platform's domain)."""

    def __init__(self, realm: str, *, nonce_ttl_s: float = 300.0, qop: bool = False) -> None:
        self.realm = realm
        self.nonce_ttl_s = nonce_ttl_s
        self.qop = qop  # many devices handle only qop-less digest: off by default
        self._key = secrets.token_bytes(32)

    def nonce(self) -> str:
        stamp = f"{int(time.time() * 1000):x}.{secrets.token_hex(6)}"
        mac = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:16]
        return f"{stamp}.{mac}"

    def nonce_is_fresh(self, nonce: str) -> bool:
        stamp, _, mac = nonce.rpartition(".")
        if not stamp:
            return False
        good = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(good, mac):
            return False
        try:
            issued = int(stamp.split(".", 1)[0], 16) / 1000
        except ValueError:
            return False
        return 0 <= time.time() - issued <= self.nonce_ttl_s

    def challenge(self, *, stale: bool = False, algorithm: str = "MD5") -> str:
        parts = [f'realm="{self.realm}"', f'nonce="{self.nonce()}"', f"algorithm={algorithm}"]
        if self.qop:
            parts.append('qop="auth"')
        if stale:
            parts.append("stale=TRUE")
        return "Digest " + ",".join(parts)

    def verify(self, credentials: Credentials, method: str, password: str) -> bool:
        """True if the answer is right for `password` and the nonce is ours and fresh."""
        if not self.nonce_is_fresh(credentials.nonce):
            return False
        expected = digest_response(
            algorithm=credentials.algorithm,
            username=credentials.username,
            realm=credentials.realm,
            password=password,
            method=method,
            uri=credentials.uri,
            nonce=credentials.nonce,
            qop=credentials.qop,
            nc=credentials.nc,
            cnonce=credentials.cnonce,
        )
        return hmac.compare_digest(expected, credentials.response)
