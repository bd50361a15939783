"""The rooms package's settings section (composed into the hub's Config by hub/config.py).

Every default is written here once; `description` is what docs/configuration.md
says about the key, and `env` names the environment variable that sets it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_NOTICE_ZH = (
    "本次为人民调解视频会议。为保障各方权益,调解过程可能会被录音录像,"
    "录制内容仅用于调解工作及依法作为证据使用。"
)
DEFAULT_NOTICE_EN = (
    "This is a people's mediation video session. To protect all parties, "
    "the session may be recorded; recordings are used only for the mediation "
    "and as evidence where the law allows."
)


class RoomsSettings(BaseModel):
    """Live rooms, cases and the organisations' recording policy."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    empty_timeout_s: float = Field(
        60.0, gt=0, description="a live room with nobody in it closes after this many seconds"
    )
    reconnect_grace_s: float = Field(
        30.0, gt=0, description="a participant whose socket drops keeps its seat this long"
    )
    severity_levels: list[str] = Field(
        default_factory=lambda: ["green", "yellow", "orange", "red"],
        min_length=2,
        description="case severity scale, mildest first (localities use 3 or 4 colours)",
        json_schema_extra={"env": "MEDIATION_HUB_SEVERITY"},
    )
    consent_notice_zh: str = Field(
        DEFAULT_NOTICE_ZH,
        min_length=1,
        description="the recording notice shown to parties before joining (Chinese); "
        "its SHA-256 goes into the evidence manifest with each consent",
    )
    consent_notice_en: str = Field(
        DEFAULT_NOTICE_EN, min_length=1, description="the same notice in English"
    )
    waiting_room: bool = Field(
        True,
        description="default of the organisations' waiting-room setting: parties of case "
        "rooms wait in a lobby until a mediator admits them (each organisation may set its "
        "own: `PUT /api/v1/organisations/{id}/waiting-room`)",
        json_schema_extra={"env": "MEDIATION_HUB_WAITING_ROOM"},
    )
    recording_required: bool = Field(
        False,
        description="default of the organisations' recording policy: record every case room",
        json_schema_extra={"env": "MEDIATION_HUB_RECORDING_REQUIRED"},
    )
    retention_days: int | None = Field(
        None,
        ge=1,
        le=36500,
        description="default retention of recordings, days after they end "
        "(none: kept for good, nobody can delete them)",
        json_schema_extra={"env": "MEDIATION_HUB_RETENTION_DAYS"},
    )

    @property
    def notice_sha256(self) -> str:
        """What a consent in the evidence manifest says the person accepted."""
        notice = f"{self.consent_notice_zh}\n{self.consent_notice_en}"
        return hashlib.sha256(notice.encode()).hexdigest()


class DatabaseSettings(BaseModel):
    """Where the stored rooms live."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    url: str | None = Field(
        None,
        description="SQLAlchemy async URL: `postgresql+asyncpg://user:pass@host/db` for "
        "PostgreSQL (none: SQLite in the data dir)",
        json_schema_extra={"env": "DATABASE_URL"},
    )

    def url_for(self, data_dir: Path) -> str:
        if self.url:
            return self.url
        return f"sqlite+aiosqlite:///{(data_dir / 'hub.sqlite3').resolve()}"


class CameraSettings(BaseModel):
    """Cameras in rooms (RTSP and GB/T 28181 sources, rooms.live_cameras) and the
    evidence taken from them (composed into the hub's Config as `cameras`)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    rtsp_probe_s: float = Field(
        0.15,
        gt=0,
        description="how long FFmpeg looks at an RTSP stream before its first frame is "
        "forwarded (SPS/PPS from the SDP make short probes safe)",
    )
    linger_s: float = Field(
        5.0,
        ge=0,
        description="a camera keeps being pulled this long after its last watcher leaves",
        json_schema_extra={"env": "MEDIATION_HUB_CAMERA_LINGER_S"},
    )
    preroll_s: float = Field(
        30.0,
        ge=0,
        description="evidence clips start this far back (kept in memory per watched camera, "
        "cut at keyframes: about 4 MB per 1 Mbps camera at 30 s)",
    )
    h265_transcode_max: int = Field(
        2,
        ge=0,
        description="H.265 cameras transcoded to H.264 for browsers at once (one per camera, "
        "about 5 % of a core each at 640x360 25 fps, roughly nine times that at 1080p; "
        "0: H.265 cameras are `unsupported_codec`)",
    )
    clip_max_s: float = Field(
        600.0, gt=0, description="longest evidence clip; one still running then is sealed"
    )


__all__ = ["CameraSettings", "DatabaseSettings", "RoomsSettings"]
