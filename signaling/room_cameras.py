"""Cameras in live rooms: what REST and socket.io share after an attach, detach or
share has committed (rooms.cameras stores it; rooms.live_cameras binds it).

A room's stored attachments are bound when the room is live: at once when the
attach happens while it is, otherwise when it opens (`sync_room`, on every
join), so `mediation-hub camera attach` on the server and REST attaches to a
room nobody is in take effect when people come in.
"""

from __future__ import annotations

import logging

from aiohttp import web

from rooms.cameras import CameraSpec, attached_cameras, camera_spec
from rooms.domain import DomainError
from rooms.live_cameras import CameraFeed, CameraUnavailable
from rooms.live_room import LiveRoom
from rooms.models import Camera
from signaling.gb28181.platform import GbError
from signaling.keys import CAMERA_BOX, DATABASE, GB_SERVICE, LIVE_CAMERAS, LIVE_ROOMS

logger = logging.getLogger(__name__)


def feed_of(room: LiveRoom, camera_id: str) -> CameraFeed | None:
    tile = room.cameras.get(f"camera:{camera_id}")
    feed = tile.feed if tile is not None else None
    return feed if isinstance(feed, CameraFeed) and not feed.closed else None


def bind(app: web.Application, room: LiveRoom, camera: Camera, shared: bool) -> CameraFeed | None:
    """Put a stored camera into a live room (None if this node can't pull it; logged)."""
    if room.closed:
        return None
    try:
        spec = camera_spec(camera, app[CAMERA_BOX])
        return app[LIVE_CAMERAS].attach(room, spec, shared=shared)
    except CameraUnavailable as exc:
        logger.warning("room %s: camera %s not bound: %s", room.id, camera.id, exc.message)
        return None


async def attach_live(app: web.Application, room_id: str, camera: Camera, shared: bool) -> bool:
    """After an attach committed: bind it now if the room is live here."""
    room = app[LIVE_ROOMS].get(room_id)
    if room is None or room.closed:
        return False
    return bind(app, room, camera, shared) is not None


async def detach_live(app: web.Application, room_id: str, camera_id: str) -> None:
    room = app[LIVE_ROOMS].get(room_id)
    feed = feed_of(room, camera_id) if room is not None else None
    if feed is not None:
        await feed.close()


def share_live(app: web.Application, room_id: str, camera_id: str, shared: bool) -> None:
    room = app[LIVE_ROOMS].get(room_id)
    feed = feed_of(room, camera_id) if room is not None else None
    if feed is not None:
        feed.set_shared(shared)


async def sync_room(app: web.Application, room: LiveRoom) -> None:
    """Bind the room's stored attachments that aren't bound yet (on join)."""
    async with app[DATABASE].session() as session:
        rows = await attached_cameras(session, room.id)
    for attachment, camera in rows:
        if feed_of(room, camera.id) is None:
            bind(app, room, camera, attachment.shared)


async def forget_camera(app: web.Application, camera_id: str) -> None:
    """A camera was deleted: stop its pull; every room loses its tile."""
    await app[LIVE_CAMERAS].forget(camera_id)


async def refresh_camera(app: web.Application, camera: Camera) -> None:
    """A camera's source changed (address, credentials): a new pull, the same rooms."""
    rooms = [
        (room, feed.shared)
        for room in app[LIVE_ROOMS].rooms
        if (feed := feed_of(room, camera.id)) is not None
    ]
    await app[LIVE_CAMERAS].forget(camera.id)
    for room, shared in rooms:
        bind(app, room, camera, shared)


async def ptz_move(
    app: web.Application, spec: CameraSpec, *, pan: int, tilt: int, zoom: int, speed: int
) -> None:
    """Send one PTZ command (shared by REST and the room socket; each axis -1, 0 or 1,
    speed 1-255, as their models checked)."""
    moves = {"pan": pan, "tilt": tilt, "zoom": zoom}
    gb = app[GB_SERVICE]
    if spec.source != "gb28181" or gb is None or not spec.gb_device_id:
        raise DomainError(
            "ptz_unsupported", "此摄像机不支持云台控制 / this camera has no PTZ control here", 409
        )
    try:
        await gb.ptz(
            spec.gb_device_id, spec.gb_channel_id or spec.gb_device_id, speed=speed, **moves
        )
    except GbError as exc:
        raise DomainError(
            "camera_unreachable", f"云台指令未送达 / the device did not take it: {exc}", 502
        ) from None
