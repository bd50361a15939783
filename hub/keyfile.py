"""Per-install secrets, generated on first run in the data dir, never committed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret.key"  # HMAC key for access tokens (JWT, HS256)
METRICS_TOKEN_FILE = "metrics.token"  # bearer token of GET /metrics (Prometheus)


def _load_or_create(path: Path, make: str) -> str:
    """The file's text, written first (mode 0600, never replaced) with `make`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(make + "\n")
    return path.read_text().strip()


def load_or_create_token_secret(data_dir: Path) -> bytes:
    """Return the install's token secret, creating it (mode 0600) on first run."""
    return bytes.fromhex(_load_or_create(data_dir / SECRET_FILE, secrets.token_hex(32)))


def load_or_create_metrics_token(data_dir: Path) -> str:
    """The bearer token a Prometheus scraper sends to GET /metrics (created on
    first run; Prometheus reads it with `authorization: {credentials_file: ...}`)."""
    return _load_or_create(data_dir / METRICS_TOKEN_FILE, secrets.token_urlsafe(32))


CAMERA_KEY_FILE = "camera.key"  # AES-256-GCM key sealing camera/device credentials


def load_or_create_camera_key(data_dir: Path) -> bytes:
    """The key camera and GB/T 28181 device credentials are encrypted with at rest
    (rooms.credentials). Losing it means re-entering every camera password."""
    return bytes.fromhex(_load_or_create(data_dir / CAMERA_KEY_FILE, secrets.token_hex(32)))
