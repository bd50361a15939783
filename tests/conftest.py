"""Shared fixtures: a Config in a temporary data dir and a running hub app."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import Config


@pytest.fixture
def hub_config(tmp_path: Path) -> Config:
    config = Config()
    config.server.data_dir = tmp_path / "data"
    # Loopback-only machines: aioice leaves 127.0.0.1 out, so announce it.
    config.media.ice_addresses = ["127.0.0.1"]
    config.media.ice_discover = False
    # Parties walk straight into case rooms here; the waiting room (on by default in
    # the product) has its own tests, which turn it on (tests/signaling/test_lobby_events.py).
    config.rooms.waiting_room = False
    return config
