"""Cameras in rooms: attach, detach, share with parties, PTZ, and evidence
(snapshot, clip with pre-roll). The stored attachment is one unit of work with
its audit entry (rooms.cameras); the live room follows (signaling.room_cameras)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field, RootModel
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import cameras, domain, policy
from rooms.domain import DomainError
from rooms.models import Camera, Room, RoomCamera
from rooms.policy import Subject
from signaling import room_cameras
from signaling.api.cameras import CameraOut, camera_out
from signaling.api.routing import API, Ctx, Route, iso
from signaling.camera_captures import Taker
from signaling.keys import CAMERA_BOX, CAMERA_CAPTURES, DATABASE, LIVE_ROOMS
from signaling.models import Body, NoBody, NoQuery, Wire


class AttachBody(Body):
    camera_id: str = Field(min_length=1, max_length=32)


class AttachmentOut(Wire):
    camera: CameraOut
    tile_id: str
    shared: bool
    attached_by: str | None
    attached_at: str | None


class AttachmentList(RootModel[list[AttachmentOut]]):
    pass


class AttachedOut(AttachmentOut):
    live: bool  # bound to the live room on this node now


class DetachedOut(Wire):
    camera_id: str
    detached: bool


class ShareBody(Body):
    shared: bool


class SharedOut(Wire):
    camera_id: str
    shared: bool


class PtzBody(Body):
    """Each axis -1, 0 or 1; all zero stops (GB/T 28181 cameras only)."""

    pan: int = Field(0, ge=-1, le=1)
    tilt: int = Field(0, ge=-1, le=1)
    zoom: int = Field(0, ge=-1, le=1)
    speed: int = Field(0x80, ge=1, le=255)


class PtzOut(Wire):
    ok: bool = True


class EvidenceOut(Wire):
    """A snapshot (sealed at once), a clip started, or a clip stopped and sealed."""

    evidence_id: str
    kind: str  # snapshot | clip
    camera_id: str
    frame_at: str | None = None  # snapshot (ISO 8601)
    picture: dict[str, Any] | None = None  # snapshot: the picture (file, width, height...)
    preroll_s: float | None = None  # clip
    started_at: float | None = None  # clip started
    frames: int | None = None  # clip stopped
    path: str | None = None  # clip stopped: its evidence directory


# -- cameras in rooms ---------------------------------------------------------------------------
def attachment_fields(app: web.Application, row: RoomCamera, camera: Camera) -> dict[str, Any]:
    return {
        "camera": camera_out(app, camera),
        "tile_id": f"camera:{camera.id}",
        "shared": row.shared,
        "attached_by": row.attached_by,
        "attached_at": iso(row.attached_at),
    }


async def room_cameras_list(ctx: Ctx[NoBody, NoQuery]) -> AttachmentList:
    room = await domain.access_room_by_id(
        ctx.session, ctx.who, ctx.param("room_id"), policy.CAMERA_ATTACH
    )
    rows = await cameras.attached_cameras(ctx.session, room.id)
    return AttachmentList(
        [AttachmentOut.model_validate(attachment_fields(ctx.app, r, c)) for r, c in rows]
    )


async def _room_and_camera(
    s: AsyncSession, who: Subject, room_id: str, camera_id: str, action: str
) -> tuple[Room, Camera]:
    room = await domain.access_room_by_id(s, who, room_id, action)
    camera, _ = await cameras.access_camera_by_id(s, who, camera_id, action)
    return room, camera


async def attach(ctx: Ctx[AttachBody, NoQuery]) -> AttachedOut:
    """Attach a camera to a room (again: the same attachment, live: false if not live here)."""
    who, room_id, camera_id = ctx.who, ctx.param("room_id"), ctx.body.camera_id
    await _room_and_camera(ctx.session, who, room_id, camera_id, policy.CAMERA_ATTACH)
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> tuple[RoomCamera, Camera]:
        room, camera = await _room_and_camera(tx, who, room_id, camera_id, policy.CAMERA_ATTACH)
        row, _ = await cameras.do_attach_camera(tx, room, camera, actor=who.id, ip=ctx.ip)
        return row, camera

    row, camera = await ctx.app[DATABASE].run(work)
    live = await room_cameras.attach_live(ctx.app, room_id, camera, row.shared)
    return AttachedOut.model_validate({**attachment_fields(ctx.app, row, camera), "live": live})


async def detach(ctx: Ctx[NoBody, NoQuery]) -> DetachedOut:
    who, room_id, camera_id = ctx.who, ctx.param("room_id"), ctx.param("camera_id")
    await _room_and_camera(ctx.session, who, room_id, camera_id, policy.CAMERA_ATTACH)
    await ctx.session.commit()
    detached = await ctx.app[DATABASE].run(
        lambda tx: cameras.do_detach_camera(tx, room_id, camera_id, actor=who.id, ip=ctx.ip)
    )
    await ctx.app[CAMERA_CAPTURES].stop_camera(room_id, camera_id, Taker(who.name, who.id))
    await room_cameras.detach_live(ctx.app, room_id, camera_id)
    return DetachedOut(camera_id=camera_id, detached=bool(detached))


async def share(ctx: Ctx[ShareBody, NoQuery]) -> SharedOut:
    """Parties see the camera too, or stop seeing it (moderators; audited either way)."""
    who, room_id, camera_id = ctx.who, ctx.param("room_id"), ctx.param("camera_id")
    shared = ctx.body.shared
    await _room_and_camera(ctx.session, who, room_id, camera_id, policy.CAMERA_ATTACH)
    room = await domain.access_room_by_id(ctx.session, who, room_id, policy.ROOM_MODERATE)
    await ctx.session.commit()
    row = await ctx.app[DATABASE].run(
        lambda tx: cameras.do_share_camera(tx, room.id, camera_id, shared, actor=who.id, ip=ctx.ip)
    )
    room_cameras.share_live(ctx.app, room_id, camera_id, shared)
    return SharedOut(camera_id=camera_id, shared=row.shared)


async def ptz(ctx: Ctx[PtzBody, NoQuery]) -> PtzOut:
    room_id, camera_id = ctx.param("room_id"), ctx.param("camera_id")
    _, camera = await _room_and_camera(
        ctx.session, ctx.who, room_id, camera_id, policy.CAMERA_CONTROL
    )
    spec = cameras.camera_spec(camera, ctx.app[CAMERA_BOX])
    b = ctx.body
    await room_cameras.ptz_move(ctx.app, spec, pan=b.pan, tilt=b.tilt, zoom=b.zoom, speed=b.speed)
    return PtzOut()


async def _live_capture(ctx: Ctx[NoBody, NoQuery]) -> tuple[Any, Room, str]:
    room_id, camera_id = ctx.param("room_id"), ctx.param("camera_id")
    stored, _ = await _room_and_camera(
        ctx.session, ctx.who, room_id, camera_id, policy.CAMERA_CAPTURE
    )
    live = ctx.app[LIVE_ROOMS].get(room_id)
    if live is None or live.closed:
        raise DomainError("room_not_live", "调解室未在进行 / the room is not live here", 409)
    await ctx.session.commit()
    return live, stored, camera_id


async def snapshot(ctx: Ctx[NoBody, NoQuery]) -> EvidenceOut:
    """A snapshot of a camera in a live room, sealed as evidence of the room's case."""
    live, stored, camera_id = await _live_capture(ctx)
    taken = await ctx.app[CAMERA_CAPTURES].snapshot(
        live, stored, camera_id, Taker(ctx.who.name, ctx.who.id)
    )
    return EvidenceOut.model_validate(taken)


async def clip_start(ctx: Ctx[NoBody, NoQuery]) -> EvidenceOut:
    live, stored, camera_id = await _live_capture(ctx)
    started = await ctx.app[CAMERA_CAPTURES].start_clip(
        live, stored, camera_id, Taker(ctx.who.name, ctx.who.id)
    )
    return EvidenceOut.model_validate(started)


async def clip_stop(ctx: Ctx[NoBody, NoQuery]) -> EvidenceOut:
    live, _, camera_id = await _live_capture(ctx)
    sealed = await ctx.app[CAMERA_CAPTURES].stop_clip(
        live.id, camera_id, Taker(ctx.who.name, ctx.who.id)
    )
    return EvidenceOut.model_validate(sealed)


IN_ROOM = f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}"

ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/rooms/{{room_id}}/cameras",
        "调解室的摄像机 / cameras in a room",
        room_cameras_list,
        AttachmentList,
    ),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/cameras",
        "接入摄像机 / attach a camera",
        attach,
        AttachedOut,
        body=AttachBody,
        status=201,
    ),
    Route("DELETE", IN_ROOM, "移出摄像机 / detach a camera", detach, DetachedOut),
    Route(
        "PUT",
        f"{IN_ROOM}/shared",
        "向当事人展示或取消 / share with parties or stop",
        share,
        SharedOut,
        body=ShareBody,
    ),
    Route("POST", f"{IN_ROOM}/ptz", "云台控制 / PTZ", ptz, PtzOut, body=PtzBody),
    Route(
        "POST",
        f"{IN_ROOM}/snapshot",
        "抓拍（存证）/ snapshot, sealed as evidence",
        snapshot,
        EvidenceOut,
        status=201,
    ),
    Route(
        "POST",
        f"{IN_ROOM}/clip",
        "开始录制片段（含预录）/ start a clip with pre-roll",
        clip_start,
        EvidenceOut,
        status=201,
    ),
    Route(
        "POST",
        f"{IN_ROOM}/clip/stop",
        "结束片段并存证 / stop and seal the clip",
        clip_stop,
        EvidenceOut,
    ),
)
