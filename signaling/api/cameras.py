"""Cameras: the registry (cameras, GB/T 28181 devices and their catalogue trees);
cameras in rooms are in signaling.api.camera_attachments. Thin: the request's
model, authorise through rooms.cameras' access_ functions (rooms.policy), run the
action, answer its model.

Credentials go in (`username`, `password`, or the RTSP URL's userinfo) and never
come out: a camera says only `hasCredentials`.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, RootModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import cameras, domain, policy
from rooms.credentials import Credentials
from rooms.models import Camera, GbDeviceBinding
from signaling import room_cameras
from signaling.api.routing import API, Ctx, Route, iso
from signaling.decoder import BadInput
from signaling.keys import (
    CAMERA_BOX,
    DATABASE,
    GB_SERVICE,
    LIVE_CAMERAS,
)
from signaling.models import Body, Id, NoBody, NoQuery, Text100, Wire


# -- models ---------------------------------------------------------------------------------
class CameraBody(Body):
    """POST /cameras: an RTSP URL, or a GB/T 28181 device (and channel) id."""

    organisation_id: Id
    name: Text100
    location: str = Field("", max_length=200)
    rtsp_url: str | None = Field(None, min_length=1, max_length=1000)
    transport: Literal["tcp", "udp"] | None = None
    gb_device_id: str | None = Field(None, max_length=20)
    gb_channel_id: str | None = Field(None, max_length=20)
    username: str | None = Field(None, max_length=100)
    password: str | None = Field(None, max_length=200)


class CameraPatch(Body):
    """PATCH /cameras/{id}: any of these; credentials replace the stored ones."""

    name: str | None = Field(None, max_length=1000)
    location: str | None = Field(None, max_length=1000)
    organisation_id: str | None = Field(None, max_length=1000)
    rtsp_url: str | None = Field(None, max_length=1000)
    transport: str | None = Field(None, max_length=1000)
    gb_device_id: str | None = Field(None, max_length=1000)
    gb_channel_id: str | None = Field(None, max_length=1000)
    username: str | None = Field(None, max_length=1000)
    password: str | None = Field(None, max_length=1000)


class CameraOut(Wire):
    id: str
    organisation_id: str
    name: str
    tile_name: str  # "监控 · name": the tile in a room
    location: str
    source: str  # rtsp | gb28181
    rtsp_url: str | None  # stored without userinfo
    transport: str
    gb_device_id: str | None
    gb_channel_id: str | None
    has_credentials: bool
    state: str
    state_detail: str | None
    last_frame_at: str | float | None
    pulling: bool
    created_at: str | None


class CameraList(RootModel[list[CameraOut]]):
    pass


class CameraStateOut(Wire):
    """The live state when pulled on this node (all fields), else the stored one."""

    camera_id: str
    state: str  # idle | connecting | online | offline | auth_failed | unsupported_codec ...
    detail: str | None
    last_frame_at: str | float | None
    watchers: int
    message: str | None = None  # the state said to a person (Chinese first)
    codec: str | None = None
    frames: int | None = None
    source: str | None = None  # rtsp | gb28181 (PTZ)
    transcoding: bool | None = None  # H.265 transcoded to H.264 for browsers


class CameraDeleted(Wire):
    id: str
    deleted: bool


class DeviceBody(Body):
    """POST /gb-devices: bind a device (or lower platform) to an organisation."""

    organisation_id: Id
    device_id: str = Field(min_length=1, max_length=20)
    name: Text100
    password: str | None = Field(None, max_length=200)


class DeviceOut(Wire):
    device_id: str
    organisation_id: str
    name: str
    has_password: bool
    live: dict[str, Any]  # the platform's view: state, channels, gbVersion, ...


class PlatformOut(Wire):
    platform_id: str
    domain: str
    sip_port: int


class DeviceListOut(Wire):
    platform: PlatformOut | None  # null: no GB/T 28181 platform runs here
    devices: list[DeviceOut]
    pending: list[dict[str, Any]]  # unknown devices that knocked: binding one approves it


class DeviceUnbound(Wire):
    device_id: str
    unbound: bool


class TreeQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    parent: str | None = Field(None, max_length=64)


class DeviceTreeOut(Wire):
    device_id: str
    parent: str | None
    nodes: list[dict[str, Any]]  # channelId, name, hasChildren, status, cameraId ...


# -- helpers --------------------------------------------------------------------------------
def camera_out(app: web.Application, camera: Camera) -> CameraOut:
    live = app[LIVE_CAMERAS].state(camera.id)
    return CameraOut(
        id=camera.id,
        organisation_id=camera.organisation_id,
        name=camera.name,
        tile_name=cameras.TILE_PREFIX + camera.name,
        location=camera.location,
        source=camera.source,
        rtsp_url=camera.rtsp_url,
        transport=camera.rtsp_transport,
        gb_device_id=camera.gb_device_id,
        gb_channel_id=camera.gb_channel_id,
        has_credentials=bool(camera.credentials),
        state=live["state"] if live else camera.state,
        state_detail=live["detail"] if live else camera.state_detail,
        last_frame_at=live["lastFrameAt"]
        if live and live["lastFrameAt"]
        else iso(camera.last_frame_at),
        pulling=bool(live and live["watchers"]),
        created_at=iso(camera.created_at),
    )


def _credentials(data: CameraBody) -> Credentials | None:
    if data.username is None and data.password is None:
        return None
    return Credentials((data.username or "").strip(), data.password or "")


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


# -- the registry ------------------------------------------------------------------------------
async def list_cameras(ctx: Ctx[NoBody, NoQuery]) -> CameraList:
    rows = await cameras.list_cameras(ctx.session, ctx.who)
    return CameraList([camera_out(ctx.app, c) for c in rows])


async def create_camera(ctx: Ctx[CameraBody, NoQuery]) -> CameraOut:
    data = ctx.body
    org = await domain.access_organisation_by_id(
        ctx.session, ctx.who, data.organisation_id, policy.CAMERA_MANAGE
    )
    camera = await cameras.do_create_camera(
        ctx.session,
        ctx.who,
        ctx.app[CAMERA_BOX],
        organisation=org,
        name=data.name,
        location=data.location.strip(),
        rtsp_url=data.rtsp_url or "",
        rtsp_transport=data.transport or "tcp",
        gb_device_id=_blank(data.gb_device_id) or "",
        gb_channel_id=_blank(data.gb_channel_id) or "",
        credentials=_credentials(data),
        ip=ctx.ip,
    )
    return camera_out(ctx.app, camera)


async def get_camera(ctx: Ctx[NoBody, NoQuery]) -> CameraOut:
    camera, _ = await cameras.access_camera_by_id(ctx.session, ctx.who, ctx.param("camera_id"))
    return camera_out(ctx.app, camera)


async def camera_state(ctx: Ctx[NoBody, NoQuery]) -> CameraStateOut:
    """The live state (when pulled on this node) or the last one stored."""
    camera, _ = await cameras.access_camera_by_id(ctx.session, ctx.who, ctx.param("camera_id"))
    live = ctx.app[LIVE_CAMERAS].state(camera.id)
    if live is None:
        live = {
            "state": camera.state,
            "detail": camera.state_detail,
            "lastFrameAt": iso(camera.last_frame_at),
            "watchers": 0,
        }
    return CameraStateOut.model_validate({"cameraId": camera.id, **live})


SOURCE_FIELDS = {"rtspUrl", "transport", "gbDeviceId", "gbChannelId", "username", "password"}


async def update_camera(ctx: Ctx[CameraPatch, NoQuery]) -> CameraOut:
    changes: dict[str, Any] = ctx.body.model_dump(by_alias=True, exclude_unset=True)
    if not changes or any(v is None for v in changes.values()):
        raise BadInput("没有可修改的字段 / nothing to change (each field a string)")
    who, camera_id = ctx.who, ctx.param("camera_id")
    await cameras.access_camera_by_id(ctx.session, who, camera_id, policy.CAMERA_MANAGE)
    await ctx.session.commit()  # ends the read; the change is its own unit of work

    async def work(tx: AsyncSession) -> Camera:
        camera, _ = await cameras.access_camera_by_id(tx, who, camera_id, policy.CAMERA_MANAGE)
        return await cameras.do_update_camera(
            tx, who, ctx.app[CAMERA_BOX], camera, changes, ip=ctx.ip
        )

    camera = await ctx.app[DATABASE].run(work)
    if SOURCE_FIELDS & set(changes):
        await room_cameras.refresh_camera(ctx.app, camera)
    return camera_out(ctx.app, camera)


async def delete_camera(ctx: Ctx[NoBody, NoQuery]) -> CameraDeleted:
    who, camera_id = ctx.who, ctx.param("camera_id")
    await cameras.access_camera_by_id(ctx.session, who, camera_id, policy.CAMERA_MANAGE)
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> None:
        camera, _ = await cameras.access_camera_by_id(tx, who, camera_id, policy.CAMERA_MANAGE)
        await cameras.do_delete_camera(tx, who, camera, ip=ctx.ip)

    await ctx.app[DATABASE].run(work)
    await room_cameras.forget_camera(ctx.app, camera_id)
    return CameraDeleted(id=camera_id, deleted=True)


# -- GB/T 28181 devices ---------------------------------------------------------------------------
def device_out(app: web.Application, binding: GbDeviceBinding) -> DeviceOut:
    gb = app[GB_SERVICE]
    return DeviceOut(
        device_id=binding.device_id,
        organisation_id=binding.organisation_id,
        name=binding.name,
        has_password=bool(binding.credentials),
        live=gb.device_state(binding.device_id) if gb else {"state": "no_platform"},
    )


async def list_devices(ctx: Ctx[NoBody, NoQuery]) -> DeviceListOut:
    rows = await cameras.list_gb_devices(ctx.session, ctx.who)
    gb = ctx.app[GB_SERVICE]
    manages = policy.allowed(ctx.who, policy.CAMERA_MANAGE)
    return DeviceListOut(
        platform=None
        if gb is None
        else PlatformOut(
            platform_id=gb.platform.config.platform_id,
            domain=gb.platform.config.domain,
            sip_port=gb.platform.port,
        ),
        devices=[device_out(ctx.app, b) for b in rows],
        pending=gb.pending() if gb is not None and manages else [],
    )


async def bind_device(ctx: Ctx[DeviceBody, NoQuery]) -> DeviceOut:
    data, who = ctx.body, ctx.who
    org = await domain.access_organisation_by_id(
        ctx.session, who, data.organisation_id, policy.CAMERA_MANAGE
    )
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> GbDeviceBinding:
        fresh = await domain.access_organisation_by_id(tx, who, org.id, policy.CAMERA_MANAGE)
        return await cameras.do_bind_gb_device(
            tx,
            who,
            ctx.app[CAMERA_BOX],
            organisation=fresh,
            device_id=data.device_id.strip(),
            name=data.name,
            password=data.password or "",
            ip=ctx.ip,
        )

    binding = await ctx.app[DATABASE].run(work)
    gb = ctx.app[GB_SERVICE]
    if gb is not None:
        gb.bound(binding.device_id, data.password or None)
    return device_out(ctx.app, binding)


async def unbind_device(ctx: Ctx[NoBody, NoQuery]) -> DeviceUnbound:
    who, device_id = ctx.who, ctx.param("device_id")
    await cameras.access_gb_device_by_id(ctx.session, who, device_id, policy.CAMERA_MANAGE)
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> None:
        binding, _ = await cameras.access_gb_device_by_id(tx, who, device_id, policy.CAMERA_MANAGE)
        await cameras.do_unbind_gb_device(tx, who, binding, ip=ctx.ip)

    await ctx.app[DATABASE].run(work)
    gb = ctx.app[GB_SERVICE]
    if gb is not None:
        gb.unbound(device_id)
    return DeviceUnbound(device_id=device_id, unbound=True)


async def device_tree(ctx: Ctx[NoBody, TreeQuery]) -> DeviceTreeOut:
    """One level of a bound device's catalogue (?parent=<id>; the top when absent),
    with the stored camera made from each channel, if any."""
    binding, _ = await cameras.access_gb_device_by_id(ctx.session, ctx.who, ctx.param("device_id"))
    gb = ctx.app[GB_SERVICE]
    parent = ctx.query.parent or None
    if parent is not None:
        cameras.check_gb_id(parent, "parent")
    nodes = gb.tree(binding.device_id, parent) if gb is not None else []
    found = await ctx.session.execute(
        select(Camera).where(Camera.gb_device_id == binding.device_id)
    )
    stored = {c.gb_channel_id: c.id for c in found.scalars()}
    for node in nodes:
        node["cameraId"] = stored.get(node["channelId"])
    return DeviceTreeOut(device_id=binding.device_id, parent=parent, nodes=nodes)


CAMERA = f"{API}/cameras/{{camera_id}}"
DEVICE = f"{API}/gb-devices/{{device_id}}"

ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET", f"{API}/cameras", "本辖区摄像机 / cameras of my subtree", list_cameras, CameraList
    ),
    Route(
        "POST",
        f"{API}/cameras",
        "登记摄像机 / register a camera",
        create_camera,
        CameraOut,
        body=CameraBody,
        status=201,
        unit=True,
    ),
    Route("GET", CAMERA, "摄像机 / a camera", get_camera, CameraOut),
    Route(
        "PATCH", CAMERA, "修改摄像机 / change a camera", update_camera, CameraOut, body=CameraPatch
    ),
    Route("DELETE", CAMERA, "删除摄像机 / delete a camera", delete_camera, CameraDeleted),
    Route("GET", f"{CAMERA}/state", "摄像机状态 / live state", camera_state, CameraStateOut),
    Route(
        "GET",
        f"{API}/gb-devices",
        "国标设备与待审批设备 / GB/T 28181 devices",
        list_devices,
        DeviceListOut,
    ),
    Route(
        "POST",
        f"{API}/gb-devices",
        "登记国标设备 / bind a device",
        bind_device,
        DeviceOut,
        body=DeviceBody,
        status=201,
    ),
    Route("DELETE", DEVICE, "解除国标设备 / unbind a device", unbind_device, DeviceUnbound),
    Route(
        "GET",
        f"{DEVICE}/channels",
        "国标设备目录树（一层）/ one level of the catalogue",
        device_tree,
        DeviceTreeOut,
        query=TreeQuery,
    ),
)
