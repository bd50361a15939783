import pytest

from media._aioice_taps import set_host_addresses


@pytest.fixture(autouse=True, scope="session")
def loopback_ice() -> None:
    """Loopback-only machines: aioice leaves 127.0.0.1 out unless we announce it."""
    set_host_addresses(["127.0.0.1"], discover=False)
