"""Typed aiohttp application keys (no string keys, no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    pass

# The hub's Config (hub.config.Config); typed as Any so signaling doesn't import hub.
CONFIG = web.AppKey("config", Any)
TOKEN_SECRET = web.AppKey("token_secret", bytes)
DATABASE = web.AppKey("database", "Database")
LIVE_ROOMS = web.AppKey("live_rooms", "LiveRooms")
MEDIA_COUNTERS = web.AppKey("media_counters", "MediaCounters")
