"""One Config for the whole hub, a section per package.

Every key is documented where it is declared; `mediation-hub serve --help` and
docs/configuration.md list them. Values come from defaults, then environment
variables, then command-line flags (hub/cli.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"  # address the HTTP server binds to
    port: int = 8080  # TCP port of the HTTP server
    data_dir: Path = Path("var")  # SQLite database, secrets, recordings live here
    tls_cert: Path | None = None  # PEM certificate: serve HTTPS (phones need it off localhost)
    tls_key: Path | None = None  # PEM private key for tls_cert
    public_url: str | None = None  # base URL printed in invitations (default: from host/port)


@dataclass
class DatabaseConfig:
    # SQLAlchemy async URL. Default: SQLite file in the data dir.
    # Env DATABASE_URL=postgresql+asyncpg://user:pass@host/db switches to PostgreSQL.
    url: str | None = None


@dataclass
class MediaConfig:
    # Addresses announced as ICE host candidates, in addition to (or, with
    # ice_discover=False, instead of) aioice's discovery. aioice leaves out
    # 127.0.0.1; a loopback-only machine or a NAT'd deployment must set this.
    # Env MEDIATION_HUB_ICE_ADDRESSES="127.0.0.1,203.0.113.5".
    ice_addresses: list[str] = field(default_factory=list)
    # Also use aioice's host-address discovery (all local interfaces but loopback).
    ice_discover: bool = True
    # STUN/TURN servers given to aiortc and to browsers ("stun:host:port", "turn:host:port").
    ice_servers: list[str] = field(default_factory=list)
    # Frames a consumer may hold before it drops to the next keyframe.
    consumer_queue_frames: int = 64
    # Minimum interval between keyframe requests sent upstream for one producer.
    keyframe_interval_s: float = 0.5


@dataclass
class SignalingConfig:
    # Redis URL for socket.io fan-out across nodes. None: in-process manager.
    redis_url: str | None = None
    # Largest accepted signaling message, bytes.
    max_message_bytes: int = 64 * 1024
    # A participant whose socket drops keeps its identity this long.
    reconnect_grace_s: float = 30.0
    # Lifetime of a staff login (its server-side session and access token). A
    # session also ends at logout, on a password change (the user's other
    # sessions) and when the user is disabled; REST and sockets check it.
    staff_token_ttl_s: int = 12 * 3600
    # A staff socket's login session is looked at again this often (a logout on
    # another node closes this node's sockets of that session within this time).
    session_recheck_s: float = 30.0
    # Argon2 runs on this many threads (each uses up to 4 lanes and 64 MiB); at
    # most password_max_waiting more logins wait, others get 503 busy at once.
    password_workers: int = 1
    password_max_waiting: int = 16
    # Password checks one client address may have running or waiting at once (per
    # node); more are answered 429 rate_limited at once.
    login_in_flight_per_address: int = 2
    # Failed logins: after this many failures per account (username, known or
    # not) or per client address, each further failure doubles the wait
    # (backoff_base_s, 2x, 4x ... up to backoff_max_s; 429 rate_limited with
    # Retry-After). Counts are forgotten throttle_window_s after the last failure;
    # shared by every node through Redis when REDIS_URL is set.
    login_free_failures_account: int = 5
    login_free_failures_address: int = 20
    backoff_base_s: float = 1.0
    backoff_max_s: float = 900.0
    throttle_window_s: float = 3600.0
    # This many failed logins lock the account for login_lock_s (429
    # account_locked) unless an administrator lifts it (POST /users/{id}/unlock).
    login_lock_after: int = 20
    login_lock_s: float = 24 * 3600
    # 6-digit code entry: free failures per client address and per code.
    code_free_failures_address: int = 10
    code_free_failures_code: int = 5


@dataclass
class RoomsConfig:
    # A live room with nobody in it closes after this many seconds.
    empty_timeout_s: float = 60.0
    # Case severity scale, mildest first: localities use 3 or 4 colours.
    # Env MEDIATION_HUB_SEVERITY="green,yellow,red".
    severity_levels: list[str] = field(default_factory=lambda: ["green", "yellow", "orange", "red"])
    # The notice shown to parties before joining (consent). Its SHA-256 goes into
    # the evidence manifest with each consent.
    consent_notice_zh: str = (
        "本次为人民调解视频会议。为保障各方权益,调解过程可能会被录音录像,"
        "录制内容仅用于调解工作及依法作为证据使用。"
    )
    consent_notice_en: str = (
        "This is a people's mediation video session. To protect all parties, "
        "the session may be recorded; recordings are used only for the mediation "
        "and as evidence where the law allows."
    )


@dataclass
class RecorderConfig:
    # Hash of segments and of the evidence chain: "sha256", or "sm3" (GB/T 32905)
    # where the OpenSSL under Python provides it (hashlib.new("sm3")); the recorder
    # refuses to start, naming the algorithm, if it does not.
    # Env MEDIATION_HUB_RECORDER_HASH.
    hash_algorithm: str = "sha256"
    # A segment closes at the first keyframe after this many seconds (one is
    # requested then); each closed segment is hashed into the chain.
    segment_duration_s: float = 10.0
    # WebM cluster length: how much a crash can lose at most (MPEG-TS writes
    # every frame at once).
    flush_interval_ms: int = 500
    # RFC 3161 timestamp authority URL. When set, the manifest's SHA-256 is
    # timestamped and the token stored as manifest.tsr. Env MEDIATION_HUB_TSA_URL.
    tsa_url: str | None = None
    # Defaults of the organisation tree's recording policy, for organisations that
    # set nothing (see rooms/recording_policy.py): record every case room, and keep
    # recordings this many days after they end, then delete them unless on legal
    # hold (None: keep them for good; nobody can delete them).
    # Env MEDIATION_HUB_RECORDING_REQUIRED (1/0), MEDIATION_HUB_RETENTION_DAYS.
    recording_required: bool = False
    retention_days: int | None = None
    # How often expired recordings (not on legal hold) are looked for and deleted.
    retention_sweep_s: float = 3600.0


@dataclass
class CamerasConfig:
    # GB/T 28181 upper platform: SIP port (UDP and TCP) devices and lower platforms
    # register on; None runs no platform (RTSP cameras only). `serve --gb-sip-port`,
    # env MEDIATION_HUB_GB_SIP_PORT.
    gb_sip_port: int | None = None
    # Address the SIP platform binds to (devices on the video network reach it there).
    gb_sip_host: str = "127.0.0.1"
    # Our 20-digit platform id (domain(10) + "200" + serial) and SIP domain (digest realm).
    # Env MEDIATION_HUB_GB_PLATFORM_ID, MEDIATION_HUB_GB_DOMAIN.
    gb_platform_id: str = "34020000002000000001"
    gb_domain: str = "3402000000"
    # The shared device password for bound devices that have none of their own
    # (env MEDIATION_HUB_GB_PASSWORD; never logged). Empty: only devices with their own.
    gb_password: str = ""
    # Unknown devices that try to register: "hold" (listed for an administrator to
    # bind) or "refuse".
    gb_unknown_devices: str = "hold"
    # PS over RTP from devices: "udp" or "tcp" (we are passive), the address the
    # receivers listen on and the one announced to devices (if not the same), and a
    # port range (firewalls) "30000-30999" (None: any free port).
    gb_media_transport: str = "udp"
    gb_media_host: str = "127.0.0.1"
    gb_media_announce: str | None = None
    gb_media_ports: tuple[int, int] | None = None
    # How long FFmpeg looks at an RTSP stream before its first frame is forwarded
    # (attach-to-first-frame waits for it; SPS/PPS from the SDP make short probes safe).
    rtsp_probe_s: float = 0.15
    # A camera keeps being pulled this long after its last watcher leaves (a quick
    # re-attach, a wall rotating back, reuses the pull).
    linger_s: float = 5.0
    # Evidence clips start this far back: the last seconds of every watched camera
    # are kept in memory, cut at keyframes (about 4 MB per 1 Mbps camera at 30 s).
    preroll_s: float = 30.0
    # H.265 cameras: at most this many are transcoded to H.264 at once for browsers
    # (one per camera, shared by every room; about 5 % of a core each at 640x360 25 fps,
    # roughly nine times that at 1080p;
    # see benchmarks/cameras.py --part h265). 0: H.265 cameras are `unsupported_codec`.
    h265_transcode_max: int = 2
    # Longest clip; a clip still running then is stopped and sealed.
    clip_max_s: float = 600.0


@dataclass
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    media: MediaConfig = field(default_factory=MediaConfig)
    signaling: SignalingConfig = field(default_factory=SignalingConfig)
    rooms: RoomsConfig = field(default_factory=RoomsConfig)
    recorder: RecorderConfig = field(default_factory=RecorderConfig)
    cameras: CamerasConfig = field(default_factory=CamerasConfig)

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{(self.server.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def base_url(self) -> str:
        if self.server.public_url:
            return self.server.public_url.rstrip("/")
        scheme = "https" if self.server.tls_cert else "http"
        return f"{scheme}://{self.server.host}:{self.server.port}"


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def from_env(config: Config | None = None, env: dict[str, str] | None = None) -> Config:
    """Apply environment variables to a Config (defaults when none given)."""
    config = config or Config()
    env = dict(os.environ) if env is None else env
    if env.get("MEDIATION_HUB_DATA_DIR"):
        config.server.data_dir = Path(env["MEDIATION_HUB_DATA_DIR"])
    if env.get("DATABASE_URL"):
        config.database.url = env["DATABASE_URL"]
    if env.get("REDIS_URL"):
        config.signaling.redis_url = env["REDIS_URL"]
    if env.get("MEDIATION_HUB_ICE_ADDRESSES"):
        config.media.ice_addresses = _split(env["MEDIATION_HUB_ICE_ADDRESSES"])
    if env.get("MEDIATION_HUB_ICE_SERVERS"):
        config.media.ice_servers = _split(env["MEDIATION_HUB_ICE_SERVERS"])
    if env.get("MEDIATION_HUB_SEVERITY"):
        config.rooms.severity_levels = _split(env["MEDIATION_HUB_SEVERITY"])
    if env.get("MEDIATION_HUB_PUBLIC_URL"):
        config.server.public_url = env["MEDIATION_HUB_PUBLIC_URL"]
    if env.get("MEDIATION_HUB_RECORDER_HASH"):
        config.recorder.hash_algorithm = env["MEDIATION_HUB_RECORDER_HASH"]
    if env.get("MEDIATION_HUB_TSA_URL"):
        config.recorder.tsa_url = env["MEDIATION_HUB_TSA_URL"]
    if env.get("MEDIATION_HUB_RECORDING_REQUIRED"):
        config.recorder.recording_required = env["MEDIATION_HUB_RECORDING_REQUIRED"] == "1"
    if env.get("MEDIATION_HUB_RETENTION_DAYS"):
        config.recorder.retention_days = int(env["MEDIATION_HUB_RETENTION_DAYS"])
    if env.get("MEDIATION_HUB_GB_SIP_PORT"):
        config.cameras.gb_sip_port = int(env["MEDIATION_HUB_GB_SIP_PORT"])
    if env.get("MEDIATION_HUB_GB_PLATFORM_ID"):
        config.cameras.gb_platform_id = env["MEDIATION_HUB_GB_PLATFORM_ID"]
    if env.get("MEDIATION_HUB_GB_DOMAIN"):
        config.cameras.gb_domain = env["MEDIATION_HUB_GB_DOMAIN"]
    if env.get("MEDIATION_HUB_CAMERA_LINGER_S"):
        config.cameras.linger_s = float(env["MEDIATION_HUB_CAMERA_LINGER_S"])
    if env.get("MEDIATION_HUB_GB_PASSWORD"):
        config.cameras.gb_password = env["MEDIATION_HUB_GB_PASSWORD"]
    return config
