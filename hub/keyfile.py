"""Per-install secrets, generated on first run in the data dir, never committed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret.key"  # HMAC key for access tokens (JWT, HS256)


def load_or_create_token_secret(data_dir: Path) -> bytes:
    """Return the install's token secret, creating it (mode 0600) on first run."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())
