"""Fails loudly if an aiortc/aioice upgrade moves the internals media/ relies on."""

import aioice.ice
import aiortc

from media import _aiortc_taps as taps


async def test_pinned_aiortc_still_has_every_internal_we_use() -> None:
    await taps.check()


def test_aiortc_version_is_the_pinned_one() -> None:
    # pyproject pins aiortc exactly; bumping it means re-running this suite.
    assert aiortc.__version__ == "1.16.0"


def test_host_addresses_include_configured_loopback() -> None:
    taps.set_host_addresses(["127.0.0.1"], discover=False)
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=False, use_ipv6=True) == []
