"""REST handlers for cameras: the registry (cameras, GB/T 28181 devices and their
catalogue trees) and cameras in rooms (attach, detach, share, PTZ). Thin: read
the body, authorise through rooms.cameras' access_ functions (rooms.policy),
run the action, answer. Routes are in ROUTES, registered by signaling.rest.

Credentials go in (`username`, `password`, or the RTSP URL's userinfo) and never
come out: a camera's JSON says only `hasCredentials`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import cameras, domain, policy
from rooms.cameras import CameraSpec
from rooms.credentials import Credentials
from rooms.domain import DomainError
from rooms.models import Camera, GbDeviceBinding, RoomCamera
from rooms.policy import Subject
from signaling import room_cameras
from signaling.camera_captures import Taker
from signaling.decoder import BadInput, body, choice, text
from signaling.keys import (
    CAMERA_BOX,
    CAMERA_CAPTURES,
    DATABASE,
    GB_SERVICE,
    LIVE_CAMERAS,
    LIVE_ROOMS,
)
from signaling.rest_rooms import iso

API = "/api/v1"
Handler = Callable[[web.Request, AsyncSession, Subject | None], Awaitable[web.StreamResponse]]


def camera_json(request: web.Request, camera: Camera) -> dict[str, Any]:
    live = request.app[LIVE_CAMERAS].state(camera.id)
    return {
        "id": camera.id,
        "organisationId": camera.organisation_id,
        "name": camera.name,
        "tileName": cameras.TILE_PREFIX + camera.name,
        "location": camera.location,
        "source": camera.source,
        "rtspUrl": camera.rtsp_url,  # stored without userinfo
        "transport": camera.rtsp_transport,
        "gbDeviceId": camera.gb_device_id,
        "gbChannelId": camera.gb_channel_id,
        "hasCredentials": bool(camera.credentials),
        "state": live["state"] if live else camera.state,
        "stateDetail": live["detail"] if live else camera.state_detail,
        "lastFrameAt": live["lastFrameAt"]
        if live and live["lastFrameAt"]
        else iso(camera.last_frame_at),
        "pulling": bool(live and live["watchers"]),
        "createdAt": iso(camera.created_at),
    }


def _credentials(data: dict[str, Any]) -> Credentials | None:
    if "username" not in data and "password" not in data:
        return None
    return Credentials(
        text(data, "username", max_len=100, required=False) or "",
        text(data, "password", max_len=200, required=False, strip=False) or "",
    )


# -- the registry -------------------------------------------------------------------------
async def list_(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    rows = await cameras.list_cameras(s, who)
    return web.json_response([camera_json(request, c) for c in rows])


async def create(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    org = await domain.access_organisation_by_id(
        s, who, text(data, "organisationId", max_len=32), policy.CAMERA_MANAGE
    )
    camera = await cameras.do_create_camera(
        s,
        who,
        request.app[CAMERA_BOX],
        organisation=org,
        name=text(data, "name", max_len=100),
        location=text(data, "location", max_len=200, required=False) or "",
        rtsp_url=text(data, "rtspUrl", max_len=1000, required=False, strip=False),
        rtsp_transport=choice(data, "transport", cameras.TRANSPORTS, required=False) or "tcp",
        gb_device_id=text(data, "gbDeviceId", max_len=20, required=False),
        gb_channel_id=text(data, "gbChannelId", max_len=20, required=False),
        credentials=_credentials(data),
        ip=request.remote,
    )
    return web.json_response(camera_json(request, camera), status=201)


async def get(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    camera, _ = await cameras.access_camera_by_id(s, who, request.match_info["camera_id"])
    return web.json_response(camera_json(request, camera))


async def state(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """The live state (when pulled on this node) or the last one stored."""
    assert who is not None
    camera, _ = await cameras.access_camera_by_id(s, who, request.match_info["camera_id"])
    live = request.app[LIVE_CAMERAS].state(camera.id)
    if live is None:
        live = {
            "state": camera.state,
            "detail": camera.state_detail,
            "lastFrameAt": iso(camera.last_frame_at),
            "watchers": 0,
        }
    return web.json_response({"cameraId": camera.id, **live})


UPDATABLE = (
    "name",
    "location",
    "organisationId",
    "rtspUrl",
    "transport",
    "gbDeviceId",
    "gbChannelId",
    "username",
    "password",
)


async def update(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    changes: dict[str, Any] = {}
    for key in UPDATABLE:
        if key in data:
            value = data[key]
            if not isinstance(value, str) or len(value) > 1000:
                raise BadInput(f"{key} 须为字符串 / {key} must be a string (at most 1000)")
            changes[key] = value
    if not changes:
        raise BadInput("没有可修改的字段 / nothing to change")
    camera_id = request.match_info["camera_id"]
    await cameras.access_camera_by_id(s, who, camera_id, policy.CAMERA_MANAGE)
    await s.commit()  # ends the read; the change is its own unit of work

    async def work(tx: AsyncSession) -> Camera:
        camera, _ = await cameras.access_camera_by_id(tx, who, camera_id, policy.CAMERA_MANAGE)
        return await cameras.do_update_camera(
            tx, who, request.app[CAMERA_BOX], camera, changes, ip=request.remote
        )

    camera = await request.app[DATABASE].run(work)
    if {"rtspUrl", "transport", "gbDeviceId", "gbChannelId", "username", "password"} & set(changes):
        await room_cameras.refresh_camera(request.app, camera)
    return web.json_response(camera_json(request, camera))


async def delete(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    camera_id = request.match_info["camera_id"]
    await cameras.access_camera_by_id(s, who, camera_id, policy.CAMERA_MANAGE)
    await s.commit()

    async def work(tx: AsyncSession) -> None:
        camera, _ = await cameras.access_camera_by_id(tx, who, camera_id, policy.CAMERA_MANAGE)
        await cameras.do_delete_camera(tx, who, camera, ip=request.remote)

    await request.app[DATABASE].run(work)
    await room_cameras.forget_camera(request.app, camera_id)
    return web.json_response({"id": camera_id, "deleted": True})


# -- GB/T 28181 devices ------------------------------------------------------------------------
def device_json(request: web.Request, binding: GbDeviceBinding) -> dict[str, Any]:
    gb = request.app[GB_SERVICE]
    return {
        "deviceId": binding.device_id,
        "organisationId": binding.organisation_id,
        "name": binding.name,
        "hasPassword": bool(binding.credentials),
        "live": gb.device_state(binding.device_id) if gb else {"state": "no_platform"},
    }


async def list_devices(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    rows = await cameras.list_gb_devices(s, who)
    gb = request.app[GB_SERVICE]
    pending = gb.pending() if gb is not None and policy.allowed(who, policy.CAMERA_MANAGE) else []
    return web.json_response(
        {
            "platform": None
            if gb is None
            else {
                "platformId": gb.platform.config.platform_id,
                "domain": gb.platform.config.domain,
                "sipPort": gb.platform.port,
            },
            "devices": [device_json(request, b) for b in rows],
            # unknown devices that knocked: binding one approves it
            "pending": pending,
        }
    )


async def bind_device(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    org = await domain.access_organisation_by_id(
        s, who, text(data, "organisationId", max_len=32), policy.CAMERA_MANAGE
    )
    password = text(data, "password", max_len=200, required=False, strip=False)
    await s.commit()

    async def work(tx: AsyncSession) -> GbDeviceBinding:
        fresh = await domain.access_organisation_by_id(tx, who, org.id, policy.CAMERA_MANAGE)
        return await cameras.do_bind_gb_device(
            tx,
            who,
            request.app[CAMERA_BOX],
            organisation=fresh,
            device_id=text(data, "deviceId", max_len=20),
            name=text(data, "name", max_len=100),
            password=password,
            ip=request.remote,
        )

    binding = await request.app[DATABASE].run(work)
    gb = request.app[GB_SERVICE]
    if gb is not None:
        gb.bound(binding.device_id, password or None)
    return web.json_response(device_json(request, binding), status=201)


async def unbind_device(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    device_id = request.match_info["device_id"]
    await cameras.access_gb_device_by_id(s, who, device_id, policy.CAMERA_MANAGE)
    await s.commit()

    async def work(tx: AsyncSession) -> None:
        binding, _ = await cameras.access_gb_device_by_id(tx, who, device_id, policy.CAMERA_MANAGE)
        await cameras.do_unbind_gb_device(tx, who, binding, ip=request.remote)

    await request.app[DATABASE].run(work)
    gb = request.app[GB_SERVICE]
    if gb is not None:
        gb.unbound(device_id)
    return web.json_response({"deviceId": device_id, "unbound": True})


async def device_tree(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """One level of a bound device's catalogue (?parent=<id>; the top when absent),
    with the stored camera made from each channel, if any."""
    assert who is not None
    binding, _ = await cameras.access_gb_device_by_id(s, who, request.match_info["device_id"])
    gb = request.app[GB_SERVICE]
    parent = request.query.get("parent") or None
    if parent is not None:
        cameras.check_gb_id(parent, "parent")
    nodes = gb.tree(binding.device_id, parent) if gb is not None else []
    from sqlalchemy import select

    stored = {
        c.gb_channel_id: c.id
        for c in (
            await s.execute(select(Camera).where(Camera.gb_device_id == binding.device_id))
        ).scalars()
    }
    for node in nodes:
        node["cameraId"] = stored.get(node["channelId"])
    return web.json_response({"deviceId": binding.device_id, "parent": parent, "nodes": nodes})


# -- cameras in rooms ----------------------------------------------------------------------------
def attachment_json(request: web.Request, row: RoomCamera, camera: Camera) -> dict[str, Any]:
    return {
        "camera": camera_json(request, camera),
        "tileId": f"camera:{camera.id}",
        "shared": row.shared,
        "attachedBy": row.attached_by,
        "attachedAt": iso(row.attached_at),
    }


async def room_list(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    room = await domain.access_room_by_id(
        s, who, request.match_info["room_id"], policy.CAMERA_ATTACH
    )
    rows = await cameras.attached_cameras(s, room.id)
    return web.json_response([attachment_json(request, r, c) for r, c in rows])


async def _room_and_camera(
    s: AsyncSession, who: Subject, room_id: str, camera_id: str, action: str
) -> tuple[Any, Camera]:
    room = await domain.access_room_by_id(s, who, room_id, action)
    camera, _ = await cameras.access_camera_by_id(s, who, camera_id, action)
    return room, camera


async def attach(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    room_id, camera_id = request.match_info["room_id"], text(data, "cameraId", max_len=32)
    await _room_and_camera(s, who, room_id, camera_id, policy.CAMERA_ATTACH)
    await s.commit()

    async def work(tx: AsyncSession) -> tuple[RoomCamera, Camera, bool]:
        room, camera = await _room_and_camera(tx, who, room_id, camera_id, policy.CAMERA_ATTACH)
        row, new = await cameras.do_attach_camera(tx, room, camera, actor=who.id, ip=request.remote)
        return row, camera, new

    row, camera, new = await request.app[DATABASE].run(work)
    live = await room_cameras.attach_live(request.app, room_id, camera, row.shared)
    return web.json_response(
        {**attachment_json(request, row, camera), "live": live}, status=201 if new else 200
    )


async def detach(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    room_id, camera_id = request.match_info["room_id"], request.match_info["camera_id"]
    await _room_and_camera(s, who, room_id, camera_id, policy.CAMERA_ATTACH)
    await s.commit()
    detached = await request.app[DATABASE].run(
        lambda tx: cameras.do_detach_camera(tx, room_id, camera_id, actor=who.id, ip=request.remote)
    )
    await request.app[CAMERA_CAPTURES].stop_camera(room_id, camera_id, Taker(who.name, who.id))
    await room_cameras.detach_live(request.app, room_id, camera_id)
    return web.json_response({"cameraId": camera_id, "detached": detached})


async def share(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {shared: bool}: parties see the camera too, or stop seeing it."""
    assert who is not None
    data = await body(request)
    shared = data.get("shared")
    if not isinstance(shared, bool):
        raise BadInput("shared 须为 true 或 false / shared must be a boolean")
    room_id, camera_id = request.match_info["room_id"], request.match_info["camera_id"]
    await _room_and_camera(s, who, room_id, camera_id, policy.CAMERA_ATTACH)
    domain_room = await domain.access_room_by_id(s, who, room_id, policy.ROOM_MODERATE)
    await s.commit()
    row = await request.app[DATABASE].run(
        lambda tx: cameras.do_share_camera(
            tx, domain_room.id, camera_id, shared, actor=who.id, ip=request.remote
        )
    )
    room_cameras.share_live(request.app, room_id, camera_id, shared)
    return web.json_response({"cameraId": camera_id, "shared": row.shared})


async def ptz(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {pan, tilt, zoom: -1|0|1, speed: 1-255}; all zero stops (GB/T 28181 only)."""
    assert who is not None
    data = await body(request)
    room_id, camera_id = request.match_info["room_id"], request.match_info["camera_id"]
    _, camera = await _room_and_camera(s, who, room_id, camera_id, policy.CAMERA_CONTROL)
    await room_cameras.ptz_move(request.app, camera_spec_of(request, camera), data)
    return web.json_response({"ok": True})


def camera_spec_of(request: web.Request, camera: Camera) -> CameraSpec:
    return cameras.camera_spec(camera, request.app[CAMERA_BOX])


async def _live_capture(
    request: web.Request, s: AsyncSession, who: Subject
) -> tuple[Any, Any, str]:
    room_id, camera_id = request.match_info["room_id"], request.match_info["camera_id"]
    stored, _ = await _room_and_camera(s, who, room_id, camera_id, policy.CAMERA_CAPTURE)
    live = request.app[LIVE_ROOMS].get(room_id)
    if live is None or live.closed:
        raise DomainError("room_not_live", "调解室未在进行 / the room is not live here", 409)
    return live, stored, camera_id


async def snapshot(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """A snapshot of a camera in a live room, sealed as evidence of the room's case."""
    assert who is not None
    live, stored, camera_id = await _live_capture(request, s, who)
    await s.commit()
    taken = await request.app[CAMERA_CAPTURES].snapshot(
        live, stored, camera_id, Taker(who.name, who.id)
    )
    return web.json_response(taken, status=201)


async def clip_start(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    live, stored, camera_id = await _live_capture(request, s, who)
    await s.commit()
    started = await request.app[CAMERA_CAPTURES].start_clip(
        live, stored, camera_id, Taker(who.name, who.id)
    )
    return web.json_response(started, status=201)


async def clip_stop(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    live, _, camera_id = await _live_capture(request, s, who)
    await s.commit()
    sealed = await request.app[CAMERA_CAPTURES].stop_clip(
        live.id, camera_id, Taker(who.name, who.id)
    )
    return web.json_response(sealed)


ROUTES: tuple[tuple[str, str, str, Handler, bool], ...] = (
    ("GET", f"{API}/cameras", "本辖区摄像机 / cameras of my subtree", list_, False),
    ("POST", f"{API}/cameras", "登记摄像机 / register a camera", create, True),
    ("GET", f"{API}/cameras/{{camera_id}}", "摄像机 / a camera", get, False),
    ("PATCH", f"{API}/cameras/{{camera_id}}", "修改摄像机 / change a camera", update, False),
    ("DELETE", f"{API}/cameras/{{camera_id}}", "删除摄像机 / delete a camera", delete, False),
    ("GET", f"{API}/cameras/{{camera_id}}/state", "摄像机状态 / live state", state, False),
    ("GET", f"{API}/gb-devices", "国标设备与待审批设备 / GB/T 28181 devices", list_devices, False),
    ("POST", f"{API}/gb-devices", "登记国标设备 / bind a device", bind_device, False),
    (
        "DELETE",
        f"{API}/gb-devices/{{device_id}}",
        "解除国标设备 / unbind a device",
        unbind_device,
        False,
    ),
    (
        "GET",
        f"{API}/gb-devices/{{device_id}}/channels",
        "国标设备目录树（一层）/ one level of the catalogue",
        device_tree,
        False,
    ),
    (
        "GET",
        f"{API}/rooms/{{room_id}}/cameras",
        "调解室的摄像机 / cameras in a room",
        room_list,
        False,
    ),
    ("POST", f"{API}/rooms/{{room_id}}/cameras", "接入摄像机 / attach a camera", attach, False),
    (
        "DELETE",
        f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}",
        "移出摄像机 / detach a camera",
        detach,
        False,
    ),
    (
        "PUT",
        f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}/shared",
        "向当事人展示或取消 / share with parties or stop",
        share,
        False,
    ),
    (
        "POST",
        f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}/ptz",
        "云台控制 / PTZ",
        ptz,
        False,
    ),
    (
        "POST",
        f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}/snapshot",
        "抓拍（存证）/ snapshot, sealed as evidence",
        snapshot,
        False,
    ),
    (
        "POST",
        f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}/clip",
        "开始录制片段（含预录）/ start a clip with pre-roll",
        clip_start,
        False,
    ),
    (
        "POST",
        f"{API}/rooms/{{room_id}}/cameras/{{camera_id}}/clip/stop",
        "结束片段并存证 / stop and seal the clip",
        clip_stop,
        False,
    ),
)
