"""RFC 3161 trusted timestamps: a TimeStampReq over the manifest's SHA-256, built here
in DER, posted to a timestamp authority; the TimeStampResp is stored as manifest.tsr.

The imprint is always SHA-256 (what TSAs accept), whatever the chain's hash.
`openssl ts -verify -data manifest.json -in manifest.tsr -CAfile tsa-ca.pem` checks
the stored response against the TSA's certificate.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import aiohttp

SHA256_OID = bytes.fromhex("0609608648016503040201")  # 2.16.840.1.101.3.4.2.1
CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"


class TimestampError(Exception):
    """The authority refused, or answered something that is not a granted token."""


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=False))


def message_imprint(digest: bytes) -> bytes:
    """MessageImprint ::= SEQUENCE { AlgorithmIdentifier (sha256, NULL), OCTET STRING }."""
    algorithm = _der(0x30, SHA256_OID + b"\x05\x00")
    return _der(0x30, algorithm + _der(0x04, digest))


def build_request(data: bytes, nonce: int | None = None) -> bytes:
    """TimeStampReq { version 1, messageImprint, nonce, certReq TRUE } in DER."""
    nonce = secrets.randbits(63) if nonce is None else nonce
    body = _der_int(1) + message_imprint(hashlib.sha256(data).digest())
    body += _der_int(nonce) + b"\x01\x01\xff"
    return _der(0x30, body)


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of body, end of body) of the DER element at pos."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    n = first & 0x7F
    length = int.from_bytes(data[pos + 2 : pos + 2 + n], "big")
    return tag, pos + 2 + n, pos + 2 + n + length


@dataclass
class ResponseCheck:
    granted: bool
    imprint_matches: bool
    detail: str


def check_response(response: bytes, data: bytes) -> ResponseCheck:
    """Status is granted (0) or grantedWithMods (1) and the token covers sha256(data).

    The imprint is found as its exact DER inside the token (TSTInfo.messageImprint).
    The TSA's signature is checked by openssl_verify() with the TSA's CA certificate.
    """
    try:
        tag, start, _end = _read(response, 0)
        if tag != 0x30:
            return ResponseCheck(False, False, "not a DER SEQUENCE")
        _tag, s_start, _s_end = _read(response, start)  # PKIStatusInfo
        itag, i_start, i_end = _read(response, s_start)
        status = int.from_bytes(response[i_start:i_end], "big") if itag == 0x02 else -1
    except IndexError:
        return ResponseCheck(False, False, "truncated DER")
    granted = status in (0, 1)
    matches = message_imprint(hashlib.sha256(data).digest()) in response
    detail = f"PKIStatus {status}" + ("" if matches else "; imprint does not match the manifest")
    return ResponseCheck(granted, matches, detail)


async def request_token(url: str, data: bytes, timeout_s: float = 15.0) -> bytes:
    """POST a TimeStampReq over data to the TSA at url; the checked TimeStampResp."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
        session.post(
            url, data=build_request(data), headers={"Content-Type": CONTENT_TYPE_QUERY}
        ) as resp,
    ):
        body = await resp.read()
        if resp.status != 200:
            raise TimestampError(f"TSA {url} answered HTTP {resp.status}")
    check = check_response(body, data)
    if not (check.granted and check.imprint_matches):
        raise TimestampError(f"TSA {url}: {check.detail}")
    return body


def openssl_verify(data_file: Path, tsr_file: Path, ca_file: Path) -> tuple[bool, str]:
    """Full verification with `openssl ts -verify` (the TSA's signature and certificate)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False, "openssl not found"
    proc = subprocess.run(
        [
            openssl,
            "ts",
            "-verify",
            "-data",
            str(data_file),
            "-in",
            str(tsr_file),
            "-CAfile",
            str(ca_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()
