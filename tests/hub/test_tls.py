"""serve --self-signed: a certificate for the LAN addresses, kept and reused, served for real."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

from cryptography import x509

from hub.tls import ensure_self_signed, lan_addresses
from tests.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def _san_ips(cert_path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}


def test_certificate_covers_addresses_and_is_reused(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path, ["192.0.2.10"])
    assert {"192.0.2.10", "127.0.0.1"} <= _san_ips(cert)
    assert key.stat().st_mode & 0o777 == 0o600
    first = cert.read_bytes()
    assert ensure_self_signed(tmp_path, ["192.0.2.10"])[0].read_bytes() == first
    # a new address (the laptop moved to another network): a new certificate
    cert2, _ = ensure_self_signed(tmp_path, ["198.51.100.7"])
    assert cert2.read_bytes() != first
    assert "198.51.100.7" in _san_ips(cert2)


def test_lan_addresses_leave_out_loopback() -> None:
    assert all(not a.startswith("127.") for a in lan_addresses())


def test_serve_self_signed_answers_https(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "hub.cli", "serve", "--self-signed", "--host", "127.0.0.1"),
            *("--port", str(port), "--data-dir", str(data), "--no-ice-discover"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_for_port(port, limit=30)
        context = ssl.create_default_context(cafile=str(data / "tls" / "self-signed.crt"))
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=context) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    printed = (tmp_path / "serve.log").read_text()
    assert "https://" in printed
