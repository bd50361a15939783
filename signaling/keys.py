"""Typed aiohttp application keys (no string keys, no module-level singletons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from media.counters import MediaCounters
    from rooms.credentials import CredentialBox
    from rooms.db import Database
    from rooms.live_cameras import LiveCameras
    from rooms.live_room import LiveRooms
    from rooms.passwords import PasswordPool
    from signaling.camera_captures import CameraCaptures
    from signaling.gb28181.bindings import GbService
    from signaling.recording import Recordings
    from signaling.room_namespace import RoomNamespace
    from signaling.throttle import Throttle

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
