"""Typed aiohttp application keys (no string keys, no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from command_center.live_wall import LiveWalls
    from media.counters import MediaCounters
    from rooms.db import Database
    from rooms.live_room import LiveRooms
    from rooms.passwords import PasswordPool
    from signaling.alarm_service import AlarmService
    from signaling.recording import Recordings
    from signaling.room_namespace import RoomNamespace
    from signaling.throttle import Throttle
    from signaling.wall_namespace import WallNamespace

# The hub's Config (hub.config.Config); Any so that signaling doesn't import hub.
CONFIG: web.AppKey[Any] = web.AppKey("config")
TOKEN_SECRET: web.AppKey[bytes] = web.AppKey("token_secret")
DATABASE: web.AppKey[Database] = web.AppKey("database")
LIVE_ROOMS: web.AppKey[LiveRooms] = web.AppKey("live_rooms")
MEDIA_COUNTERS: web.AppKey[MediaCounters] = web.AppKey("media_counters")
# bearer token of GET /metrics (DATA_DIR/metrics.token)
METRICS_TOKEN: web.AppKey[str] = web.AppKey("metrics_token")
# This node's running recordings and the socket.io namespace of its rooms (set by
# signaling.room_namespace.setup): REST reaches live sessions through these.
RECORDINGS: web.AppKey[Recordings] = web.AppKey("recordings")
ROOM_NAMESPACE: web.AppKey[RoomNamespace] = web.AppKey("room_namespace")
# Argon2 on a bounded thread pool (rooms.passwords.PasswordPool)
PASSWORDS: web.AppKey[PasswordPool] = web.AppKey("passwords")
# failed-attempt counts: in-process or Redis (signaling.throttle), chosen by hub/
THROTTLE: web.AppKey[Throttle] = web.AppKey("throttle")
# The command center: this node's open wall screens, and the /wall namespace
# (signaling.wall_namespace) that tells screens and operators of wall changes.
LIVE_WALLS: web.AppKey[LiveWalls] = web.AppKey("live_walls")
WALL_NAMESPACE: web.AppKey[WallNamespace] = web.AppKey("wall_namespace")
# the live monitor and the alarms it raises (signaling.alarm_service)
ALARMS: web.AppKey[AlarmService] = web.AppKey("alarms")
