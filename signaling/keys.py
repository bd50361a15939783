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
    from rooms.credentials import CredentialBox
    from rooms.db import Database
    from rooms.live_cameras import LiveCameras
    from rooms.live_room import LiveRooms
    from rooms.passwords import PasswordPool
    from rooms.settings import CameraSettings, RoomsSettings
    from signaling.alarm_service import AlarmService
    from signaling.camera_captures import CameraCaptures
    from signaling.gb28181.bindings import GbService
    from signaling.gb28181.settings import GbSettings
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
# cameras in rooms and evidence from them; the GB/T 28181 platform
CAMERA_SETTINGS: web.AppKey[CameraSettings] = web.AppKey("camera_settings")
GB_SETTINGS: web.AppKey[GbSettings] = web.AppKey("gb28181_settings")
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
# Cameras: the key their credentials are sealed with, this node's live cameras,
# the GB/T 28181 platform when configured (None otherwise); hub.app sets them.
CAMERA_BOX: web.AppKey[CredentialBox] = web.AppKey("camera_box")
LIVE_CAMERAS: web.AppKey[LiveCameras] = web.AppKey("live_cameras")
GB_SERVICE: web.AppKey[GbService | None] = web.AppKey("gb_service")
# Evidence captures (snapshots, clips) from cameras in rooms; set by room_namespace.setup.
CAMERA_CAPTURES: web.AppKey[CameraCaptures] = web.AppKey("camera_captures")
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
