"""The media package's settings section (composed into the hub's Config by hub/config.py).

Every default is written here once; `description` is what docs/configuration.md
says about the key, `env` and `flag` name the environment variable and the
`serve` option that set it. A Router takes this section as its options.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MediaSettings(BaseModel):
    """ICE, and how Routers forward."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    ice_addresses: list[str] = Field(
        default_factory=list,
        description="addresses announced as ICE host candidates, besides (or, without "
        "discovery, instead of) aioice's own: aioice never offers 127.0.0.1, and a NAT'd "
        "node announces its public address",
        json_schema_extra={"env": "MEDIATION_HUB_ICE_ADDRESSES", "flag": "--ice-address"},
    )
    ice_discover: bool = Field(
        True,
        description="also use aioice's interface discovery (every local interface but loopback)",
        json_schema_extra={"flag": "--no-ice-discover"},
    )
    ice_servers: list[str] = Field(
        default_factory=list,
        description='STUN/TURN URLs for the hub and the browsers ("stun:host:port", '
        '"turn:host:port")',
        json_schema_extra={"env": "MEDIATION_HUB_ICE_SERVERS"},
    )
    consumer_queue_frames: int = Field(
        64, ge=1, description="frames a consumer may hold before it drops to the next keyframe"
    )
    keyframe_interval_s: float = Field(
        0.5,
        ge=0,
        description="least time between keyframe requests (PLI) sent to one producer; "
        "a consumer starting (new, resumed, switching layer) need not wait once the last "
        "request was answered (its keyframes came)",
    )
    connect_timeout_s: float = Field(
        30.0,
        gt=0,
        description="a media connection offered but not connected this long after is closed "
        "(the participant leaves as disconnected)",
    )
    max_producers_per_transport: int = Field(
        8,
        ge=1,
        description="open producers one connection may have at once (a ceiling against offers "
        "with dozens of m-lines; rooms apply finer per-source limits)",
    )
    publisher_start_kbps: int = Field(
        1000,
        ge=0,
        description="where a browser publisher's bandwidth estimate starts "
        "(x-google-start-bitrate; transport-wide feedback lowers it on weaker networks; "
        "0 leaves the browser's default)",
    )


__all__ = ["MediaSettings"]
