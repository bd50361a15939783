"""Fails loudly if an aiortc/aioice upgrade moves the internals media/ relies on."""

import aioice.ice
import aiortc

from media import _aiortc_taps as taps
from media import _srtp


async def test_pinned_aiortc_still_has_every_internal_we_use() -> None:
    await taps.check()


def test_aiortc_version_is_the_pinned_one() -> None:
    # pyproject pins aiortc exactly; bumping it means re-running this suite.
    assert aiortc.__version__ == "1.16.0"


def test_host_addresses_include_configured_loopback() -> None:
    taps.set_host_addresses(["127.0.0.1"], discover=False)
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=False, use_ipv6=True) == []


def test_pinned_pylibsrtp_still_has_the_session_internals_we_use() -> None:
    _srtp.check()


def test_a_replayed_or_oversized_packet_is_dropped_not_raised() -> None:
    import pylibsrtp

    key, policy = bytes(range(30)), pylibsrtp.Policy
    protect = _srtp.protector(
        pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_OUTBOUND))
    )
    unprotect = _srtp.unprotector(
        pylibsrtp.Session(policy(key=key, ssrc_type=policy.SSRC_ANY_INBOUND))
    )
    packet = b"\x80\x60\x00\x07" + b"\x00" * 8 + b"x" * 100
    protected = protect(packet)
    assert protected is not None and unprotect(protected) == packet
    assert unprotect(protected) is None  # replayed
    assert unprotect(protected[:-1] + bytes([protected[-1] ^ 1])) is None  # forged
    assert protect(b"\x80\x60\x00\x08" + b"\x00" * 8 + b"x" * 1500) is None  # too long


def test_pylibsrtp_version_is_the_pinned_one() -> None:
    from importlib.metadata import version

    assert version("pylibsrtp") == "1.0.0"  # media/_srtp.py uses its session internals
