"""Typed aiohttp application keys (no string keys, no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from media.counters import MediaCounters
    from rooms.db import Database
    from rooms.live_room import LiveRooms

# The hub's Config (hub.config.Config); Any so that signaling doesn't import hub.
CONFIG: web.AppKey[Any] = web.AppKey("config")
TOKEN_SECRET: web.AppKey[bytes] = web.AppKey("token_secret")
DATABASE: web.AppKey[Database] = web.AppKey("database")
LIVE_ROOMS: web.AppKey[LiveRooms] = web.AppKey("live_rooms")
MEDIA_COUNTERS: web.AppKey[MediaCounters] = web.AppKey("media_counters")
