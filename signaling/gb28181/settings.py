"""The GB/T 28181 platform's settings section (composed into the hub's Config as
`gb28181`). The hub runs the SIP platform when `sip_port` is set (`serve
--gb-sip-port`); cameras registered there are not yet brought into rooms."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GbSettings(BaseModel):
    """The upper platform devices and lower platforms register with."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    platform_id: str = Field(
        "34020000002000000001",
        pattern=r"^\d{20}$",
        description="our SIP id: 20 digits, domain (10) + 200 + serial",
        json_schema_extra={"env": "MEDIATION_HUB_GB_PLATFORM_ID"},
    )
    domain: str = Field(
        "3402000000",
        pattern=r"^\d{10}$",
        description="the SIP domain and digest realm (10 digits)",
        json_schema_extra={"env": "MEDIATION_HUB_GB_DOMAIN"},
    )
    password: str = Field(
        "",
        description="shared device password when a device has none of its own "
        "(empty: registration is refused)",
        json_schema_extra={"env": "MEDIATION_HUB_GB_PASSWORD"},
    )
    sip_host: str = Field("127.0.0.1", description="address the SIP platform binds to")
    sip_port: int = Field(
        5060,
        ge=0,
        le=65535,
        description="SIP port (UDP and TCP) of the platform",
        json_schema_extra={"env": "MEDIATION_HUB_GB_SIP_PORT", "flag": "--gb-sip-port"},
    )
    enabled: bool = Field(
        False,
        description="run the SIP platform in the hub (`--gb-sip-port` turns it on)",
        json_schema_extra={"env": "MEDIATION_HUB_GB"},
    )
    transports: tuple[str, ...] = Field(("udp", "tcp"), description="SIP transports")
    unknown_devices: str = Field(
        "hold",
        pattern="^(hold|refuse)$",
        description="a device nobody configured: `hold` it for approval, or `refuse` it",
    )
    register_expires_min_s: int = Field(60, gt=0, description="shortest registration accepted")
    register_expires_max_s: int = Field(86400, gt=0, description="longest registration granted")
    keepalive_interval_s: float = Field(
        60.0, gt=0, description="the keepalive interval devices are configured with"
    )
    keepalive_misses: int = Field(
        3, ge=1, description="a device is offline after this many intervals without one"
    )
    auth_failures_max: int = Field(
        5, ge=1, description="wrong digests before a device is refused for auth_lockout_s"
    )
    auth_lockout_s: float = Field(600.0, gt=0, description="how long such a device is refused")
    query_timeout_s: float = Field(10.0, gt=0, description="wait for a query's (first) answer")
    catalog_page_timeout_s: float = Field(5.0, gt=0, description="wait for a catalogue page")
    request_timeout_s: float = Field(
        8.0, gt=0, description="wait for a final response to our request"
    )
    auto_query: bool = Field(
        True, description="ask DeviceInfo and the catalogue when a device registers"
    )
    monitor_interval_s: float = Field(1.0, gt=0, description="how often keepalives are checked")
    gb_version: str = Field("3.0", description="X-GB-Ver announced to devices that send one")
    media_transport: str = Field(
        "udp",
        pattern="^(udp|tcp)$",
        description="PS over RTP from devices: `udp`, or `tcp` (we are passive, RFC 4571)",
    )
    media_host: str = Field("127.0.0.1", description="address the PS/RTP receivers listen on")
    media_announce: str | None = Field(
        None, description="address announced to devices in the SDP (default: media_host)"
    )
    media_ports: tuple[int, int] | None = Field(
        None, description="port range of the PS/RTP receivers (firewalls); none: any free port"
    )


__all__ = ["GbSettings"]
