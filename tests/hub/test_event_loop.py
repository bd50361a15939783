"""`serve` runs on uvloop unless told otherwise (server.event_loop)."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from hub.config import Config, ConfigError, from_env
from hub.event_loop import loop_factory


def test_serve_runs_on_uvloop_by_default_and_asyncio_on_request() -> None:
    assert Config().server.event_loop == "uvloop"
    loop = loop_factory(Config().server.event_loop)()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
    config = from_env(env={"MEDIATION_HUB_EVENT_LOOP": "asyncio"})
    loop = loop_factory(config.server.event_loop)()
    try:
        assert not isinstance(loop, uvloop.Loop)
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()


def test_an_unknown_event_loop_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="MEDIATION_HUB_EVENT_LOOP"):
        from_env(env={"MEDIATION_HUB_EVENT_LOOP": "trio"})
