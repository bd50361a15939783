"""A self-signed certificate for this machine's LAN addresses (`serve --self-signed`).

Phones need HTTPS for the camera unless the page comes from localhost. On a LAN without
a real certificate, the hub makes one for its own addresses and keeps it in the data dir
(`tls/self-signed.crt`, `tls/self-signed.key`, key mode 0600); the phone's browser shows
a warning once. It is remade when an address is missing from it or it is about to expire.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["CERT_FILE", "KEY_FILE", "ensure_self_signed", "lan_addresses"]

TLS_DIR = "tls"
CERT_FILE = "self-signed.crt"
KEY_FILE = "self-signed.key"
VALID_DAYS = 397  # the longest browsers accept for a leaf certificate
RENEW_BEFORE = dt.timedelta(days=14)


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, the default route's first."""
    found: list[str] = []
    try:  # the address the default route leaves from (no packet is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        import ifaddr  # aioice's dependency

        for adapter in ifaddr.get_adapters():
            for ip in adapter.ips:
                if isinstance(ip.ip, str):
                    found.append(ip.ip)
    except ImportError:
        pass
    out: list[str] = []
    for addr in found:
        parsed = ipaddress.ip_address(addr)
        if parsed.is_loopback or parsed.is_link_local or addr in out:
            continue
        out.append(addr)
    return out


def _names(addresses: list[str]) -> tuple[list[str], list[str]]:
    ips = sorted({*addresses, "127.0.0.1"})
    dns = sorted({"localhost", socket.gethostname()})
    return ips, dns


def _covers(cert: x509.Certificate, ips: list[str], dns: list[str]) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have_ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    have_dns = set(san.get_values_for_type(x509.DNSName))
    not_after = cert.not_valid_after_utc
    fresh = not_after - RENEW_BEFORE > dt.datetime.now(dt.UTC)
    return fresh and set(ips) <= have_ips and set(dns) <= have_dns


def ensure_self_signed(data_dir: Path, addresses: list[str]) -> tuple[Path, Path]:
    """Return (cert, key) PEM paths covering `addresses`, making them if needed."""
    directory = data_dir / TLS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    ips, dns = _names(addresses)
    if cert_path.is_file() and key_path.is_file():
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if _covers(existing, ips, dns):
            return cert_path, key_path

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"mediation-hub {socket.gethostname()}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mediation-hub (self-signed)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    san = x509.SubjectAlternativeName(
        [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
