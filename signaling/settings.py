"""The signaling package's settings sections (composed into the hub's Config by
hub/config.py): the HTTP server, and signaling itself (sockets, logins, limits).

Every default is written here once; `description` is what docs/configuration.md
says about the key, `env` and `flag` name the environment variable and the
`serve` option that set it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

STRICT = ConfigDict(validate_assignment=True, extra="forbid")


class ServerSettings(BaseModel):
    """The HTTP server and where the hub keeps its data."""

    model_config = STRICT

    host: str = Field(
        "127.0.0.1",
        description="HTTP bind address (0.0.0.0 with --self-signed)",
        json_schema_extra={"flag": "--host"},
    )
    port: int = Field(
        8080, ge=0, le=65535, description="HTTP port", json_schema_extra={"flag": "--port"}
    )
    data_dir: Path = Field(
        Path("var"),
        description="SQLite database, secrets, recordings",
        json_schema_extra={"env": "MEDIATION_HUB_DATA_DIR", "flag": "--data-dir"},
    )
    tls_cert: Path | None = Field(
        None,
        description="PEM certificate: serve HTTPS (phones need it off localhost)",
        json_schema_extra={"flag": "--tls-cert"},
    )
    tls_key: Path | None = Field(
        None, description="PEM private key for tls_cert", json_schema_extra={"flag": "--tls-key"}
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        "uvloop",
        description="the event loop `serve` runs on: uvloop (libuv; the media path costs "
        "about a tenth less CPU per room, see benchmarks/rooms.py --loop) or Python's own "
        "asyncio",
        json_schema_extra={"env": "MEDIATION_HUB_EVENT_LOOP"},
    )
    public_url: str | None = Field(
        None,
        description="base URL in invitations (links, short links, QR codes, WeChat text; "
        "none: from host and port); `serve` prints it and records it in "
        "`data_dir/public-url`, which `mediation-hub invite` uses when neither this nor "
        "`--base-url` is given",
        json_schema_extra={"env": "MEDIATION_HUB_PUBLIC_URL"},
    )

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://{self.host}:{self.port}"


class SignalingSettings(BaseModel):
    """Sockets, staff logins and the limits on what clients may send."""

    model_config = STRICT

    redis_url: str | None = Field(
        None,
        description="Redis for socket.io fan-out, login throttling and public rate limits "
        "across nodes (none: in this process)",
        json_schema_extra={"env": "REDIS_URL"},
    )
    max_message_bytes: int = Field(
        64 * 1024, ge=1024, description="largest accepted signaling request, bytes"
    )
    staff_token_ttl_s: int = Field(
        12 * 3600,
        gt=0,
        description="lifetime of a staff login (its server-side session and access token); "
        "it also ends at logout, on a password change and when the user is disabled",
    )
    session_recheck_s: float = Field(
        30.0,
        gt=0,
        description="a staff socket's login session is looked at again this often "
        "(a logout on another node closes this node's sockets within this time)",
    )
    password_workers: int = Field(
        1, ge=1, description="Argon2 threads (each uses up to 4 lanes and 64 MiB)"
    )
    password_max_waiting: int = Field(
        16, ge=0, description="logins that may wait for an Argon2 thread; more get 503 busy"
    )
    login_in_flight_per_address: int = Field(
        2, ge=1, description="password checks one address may have running at once (per node)"
    )
    login_free_failures_account: int = Field(
        5, ge=0, description="failed logins per account before each further one doubles the wait"
    )
    login_free_failures_address: int = Field(
        20, ge=0, description="failed logins per client address before the waits begin"
    )
    backoff_base_s: float = Field(1.0, gt=0, description="the first wait after the free failures")
    backoff_max_s: float = Field(900.0, gt=0, description="the longest wait")
    throttle_window_s: float = Field(
        3600.0, gt=0, description="failures are forgotten this long after the last one"
    )
    login_lock_after: int = Field(
        20,
        ge=1,
        description="this many failed logins lock the account (429 account_locked) "
        "until login_lock_s passes or an administrator lifts it",
    )
    login_lock_s: float = Field(24 * 3600.0, gt=0, description="how long a login lock lasts")
    code_free_failures_address: int = Field(
        10, ge=0, description="wrong 6-digit codes per client address before the waits begin"
    )
    code_free_failures_code: int = Field(
        5, ge=0, description="wrong names tried with one code before the waits begin"
    )
    public_rate: str = Field(
        "120/minute",
        description="requests one client address may send to each public endpoint "
        "(login, the 6-digit code, a join link), in the `limits` notation",
    )


__all__ = ["ServerSettings", "SignalingSettings"]
