import pytest

from media import _aiortc_taps as taps


@pytest.fixture(autouse=True, scope="session")
def loopback_ice() -> None:
    """Loopback-only machines: aioice leaves 127.0.0.1 out unless we announce it."""
    taps.set_host_addresses(["127.0.0.1"], discover=False)
