"""ICE host candidates: which local addresses the hub announces."""

from __future__ import annotations

from media import _aioice_taps


def announce_host_addresses(addresses: list[str], *, discover: bool = True) -> None:
    """Gather host candidates on `addresses` too (all of aioice's own when
    `discover`). Needed on loopback-only machines (aioice skips 127.0.0.1) and
    wherever the interface discovery picks the wrong address. Process-wide."""
    _aioice_taps.set_host_addresses(addresses, discover=discover)
