"""Typed aiohttp application keys (no string keys, no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from command_center.live_wall import LiveWalls
    from command_center.settings import CommandCenterSettings
    from media.counters import MediaCounters
    from media.settings import MediaSettings
    from recorder.control import RecordingControl
    from recorder.retention import Retention
    from rooms.db import Database
    from rooms.live_room import LiveRooms
    from rooms.passwords import PasswordPool
    from rooms.settings import RoomsSettings
    from signaling.alarm_service import AlarmService
    from signaling.room_namespace import RoomNamespace
    from signaling.settings import ServerSettings, SignalingSettings
    from signaling.throttle import Throttle
    from signaling.wall_namespace import WallNamespace

# The settings sections signaling reads (hub.config.Config composes them; each
# package declares its own): the HTTP server, signaling, rooms, media, command center.
SERVER: web.AppKey[ServerSettings] = web.AppKey("server_settings")
SIGNALING: web.AppKey[SignalingSettings] = web.AppKey("signaling_settings")
ROOMS_SETTINGS: web.AppKey[RoomsSettings] = web.AppKey("rooms_settings")
MEDIA_SETTINGS: web.AppKey[MediaSettings] = web.AppKey("media_settings")
COMMAND_CENTER_SETTINGS: web.AppKey[CommandCenterSettings] = web.AppKey("command_center_settings")
TOKEN_SECRET: web.AppKey[bytes] = web.AppKey("token_secret")
DATABASE: web.AppKey[Database] = web.AppKey("database")
LIVE_ROOMS: web.AppKey[LiveRooms] = web.AppKey("live_rooms")
MEDIA_COUNTERS: web.AppKey[MediaCounters] = web.AppKey("media_counters")
# bearer token of GET /metrics (DATA_DIR/metrics.token)
METRICS_TOKEN: web.AppKey[str] = web.AppKey("metrics_token")
# This node's running recordings (recorder.control): REST and the command center
# see them here; the recordings' retention (deletions, the sweep).
RECORDINGS: web.AppKey[RecordingControl] = web.AppKey("recordings")
RETENTION: web.AppKey[Retention] = web.AppKey("retention")
# The socket.io namespace of the rooms (the live rooms' Notifier).
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
