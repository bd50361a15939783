"""The recorder package's settings section (composed into the hub's Config by hub/config.py).

Every default is written here once; `description` is what docs/configuration.md
says about the key, and `env` names the environment variable that sets it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RecorderSettings(BaseModel):
    """Evidence recording and the retention sweep."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    hash_algorithm: str = Field(
        "sha256",
        description="hash of segments and of the evidence chain: `sha256`, or `sm3` (GB/T 32905) "
        "where Python's OpenSSL provides it (the recorder refuses to start, naming it, if not)",
        json_schema_extra={"env": "MEDIATION_HUB_RECORDER_HASH"},
    )
    segment_duration_s: float = Field(
        10.0,
        gt=0,
        description="a segment closes at the first keyframe after this many seconds "
        "(one is requested then); each closed segment is hashed into the chain",
    )
    flush_interval_ms: int = Field(
        500, gt=0, description="WebM cluster length: the most a crash can lose"
    )
    tsa_url: str | None = Field(
        None,
        description="RFC 3161 timestamp authority: the manifest's SHA-256 is timestamped "
        "and the token stored as manifest.tsr",
        json_schema_extra={"env": "MEDIATION_HUB_TSA_URL"},
    )
    retention_sweep_s: float = Field(
        3600.0,
        gt=0,
        description="how often recordings past retention (and not on legal hold) are deleted",
    )


__all__ = ["RecorderSettings"]
