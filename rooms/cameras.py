"""The camera registry: cameras of an organisation, GB/T 28181 devices bound to
organisations, and cameras attached to rooms.

Writes are do_<verb>_<noun> (each appends its audit entry; the caller's unit of
work commits, rooms.transaction); protected loads go through
access_camera_by_id(subject, id). Credentials are sealed with a CredentialBox
(rooms.credentials) and never leave this module but as `Credentials` for the
live source (rooms.live_cameras). No media imports here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.credentials import CredentialBox, Credentials, split_userinfo
from rooms.domain import DomainError, org_path
from rooms.models import (
    CAMERA_GB28181,
    CAMERA_RTSP,
    ROOM_ENDED,
    Camera,
    GbDeviceBinding,
    Organisation,
    Room,
    RoomCamera,
    new_id,
    utcnow,
)
from rooms.policy import Denied, Subject

GB_ID = re.compile(r"^\d{20}$")
RTSP_SCHEMES = ("rtsp", "rtsps")
TRANSPORTS = ("tcp", "udp")
TILE_PREFIX = "监控 · "  # a camera's tile in a room: "监控 · <name>"


def _authorize(subject: Subject, action: str, path: str | None) -> None:
    try:
        policy.authorize(subject, action, org_path=path)
    except Denied as exc:
        raise DomainError(exc.code, exc.message, 403) from None


def _authorize_role(subject: Subject, action: str) -> None:
    if subject.room is not None or action not in policy.ROLE_ACTIONS.get(subject.role, ()):
        raise DomainError("forbidden", "无权执行此操作 / not allowed for your role", 403)


@dataclass(frozen=True)
class CameraSpec:
    """What the live side needs to pull a camera (credentials decrypted)."""

    id: str
    name: str
    source: str
    rtsp_url: str | None
    rtsp_transport: str
    gb_device_id: str | None
    gb_channel_id: str | None
    credentials: Credentials
    organisation_id: str | None = None  # whose camera it is (its alarms go to that subtree)

    @property
    def tile_name(self) -> str:
        return TILE_PREFIX + self.name


def camera_spec(camera: Camera, box: CredentialBox) -> CameraSpec:
    return CameraSpec(
        id=camera.id,
        name=camera.name,
        source=camera.source,
        rtsp_url=camera.rtsp_url,
        rtsp_transport=camera.rtsp_transport,
        gb_device_id=camera.gb_device_id,
        gb_channel_id=camera.gb_channel_id,
        credentials=box.open(camera.credentials, camera.id),
        organisation_id=camera.organisation_id,
    )


# -- input checks -----------------------------------------------------------------------
def check_rtsp_url(url: str) -> tuple[str, Credentials]:
    """A usable rtsp:// URL, split into the URL without userinfo and the credentials."""
    if len(url) > 1000:
        raise DomainError("bad_request", "地址过长 / URL too long")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise DomainError("bad_url", "摄像机地址无效 / not a valid URL") from None
    if parts.scheme.lower() not in RTSP_SCHEMES or not parts.hostname:
        raise DomainError(
            "bad_url", "摄像机地址须为 rtsp://主机/路径 / the URL must be rtsp://host/path"
        )
    if any(c in url for c in " \r\n\t"):
        raise DomainError("bad_url", "地址含空白字符 / the URL contains white space")
    return split_userinfo(url)


def check_gb_id(value: str, what: str) -> str:
    if not GB_ID.match(value):
        raise DomainError("bad_request", f"{what} 须为 20 位数字 / {what} must be 20 digits")
    return value


def _check_text(value: str, what: str, max_len: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError("bad_request", f"缺少 {what} / {what} is required")
    if len(value) > max_len:
        raise DomainError("bad_request", f"{what} 过长 / {what} longer than {max_len}")
    return value


# -- cameras ------------------------------------------------------------------------------
async def do_create_camera(
    session: AsyncSession,
    subject: Subject,
    box: CredentialBox,
    *,
    organisation: Organisation,
    name: str,
    location: str = "",
    rtsp_url: str | None = None,
    rtsp_transport: str = "tcp",
    gb_device_id: str | None = None,
    gb_channel_id: str | None = None,
    credentials: Credentials | None = None,
    actor: str | None = None,
    ip: str | None = None,
) -> Camera:
    """A camera of `organisation`: RTSP (credentials may come in the URL's
    userinfo or apart) or a GB/T 28181 channel of a bound device."""
    _authorize(subject, policy.CAMERA_MANAGE, organisation.path)
    camera = Camera(
        id=new_id(),
        organisation_id=organisation.id,
        name=_check_text(name, "name", 100),
        location=_check_text(location, "location", 200, required=False),
        created_by=actor or subject.id,
    )
    await _set_source(
        session, camera, box, rtsp_url, rtsp_transport, gb_device_id, gb_channel_id, credentials
    )
    session.add(camera)
    await session.flush()
    await do_append_audit(
        session,
        actor=actor or subject.id,
        action="camera.create",
        target=f"camera:{camera.id}",
        ip=ip,
        detail={"name": camera.name, "source": camera.source, "organisation": organisation.id},
    )
    return camera


async def _set_source(
    session: AsyncSession,
    camera: Camera,
    box: CredentialBox,
    rtsp_url: str | None,
    rtsp_transport: str,
    gb_device_id: str | None,
    gb_channel_id: str | None,
    credentials: Credentials | None,
) -> None:
    if rtsp_transport not in TRANSPORTS:
        raise DomainError("bad_request", "传输方式须为 tcp 或 udp / transport must be tcp or udp")
    if rtsp_url and (gb_device_id or gb_channel_id):
        raise DomainError(
            "bad_request", "只能选一种来源 / give an RTSP URL or a GB/T 28181 channel, not both"
        )
    if rtsp_url:
        bare, in_url = check_rtsp_url(rtsp_url)
        camera.source, camera.rtsp_url, camera.rtsp_transport = CAMERA_RTSP, bare, rtsp_transport
        camera.gb_device_id = camera.gb_channel_id = None
        given = credentials if credentials is not None and credentials else in_url
        camera.credentials = box.seal(given, camera.id)
    elif gb_device_id or gb_channel_id:
        device = check_gb_id(gb_device_id or "", "gbDeviceId")
        channel = check_gb_id(gb_channel_id or device, "gbChannelId")
        binding = await session.get(GbDeviceBinding, device)
        if binding is None:
            raise DomainError(
                "not_found", "未登记的国标设备 / no such GB/T 28181 device is bound", 404
            )
        camera.source, camera.rtsp_url = CAMERA_GB28181, None
        camera.gb_device_id, camera.gb_channel_id = device, channel
        camera.credentials = None  # the device's registration carries the credential
    else:
        raise DomainError(
            "bad_request", "需要 RTSP 地址或国标通道 / an RTSP URL or a GB/T 28181 channel"
        )


async def access_camera_by_id(
    session: AsyncSession, subject: Subject, camera_id: str, action: str = policy.CAMERA_VIEW
) -> tuple[Camera, str]:
    """The camera and its organisation's path, if `subject` may do `action` on it
    (a role without `action` is refused before anyone learns whether it exists)."""
    _authorize_role(subject, action)
    camera = await session.get(Camera, camera_id) if len(camera_id) <= 32 else None
    if camera is None:
        raise DomainError("camera_not_found", "摄像机不存在 / no such camera", 404)
    path = await org_path(session, camera.organisation_id)
    _authorize(subject, action, path)
    return camera, path or ""


async def camera_org_path(session: AsyncSession, camera_id: str) -> str | None:
    """The path of a camera's organisation ("" for none), or None: no such camera.
    The caller authorises (a wall tile checks ROOM_WATCH on the path)."""
    camera = await session.get(Camera, camera_id) if len(camera_id) <= 32 else None
    if camera is None:
        return None
    return await org_path(session, camera.organisation_id) or ""


async def list_cameras(session: AsyncSession, subject: Subject) -> list[Camera]:
    """Cameras of `subject`'s subtree."""
    _authorize(subject, policy.CAMERA_VIEW, None)
    return await cameras_under(session, subject.org_path)


async def cameras_under(session: AsyncSession, path: str | None) -> list[Camera]:
    """Cameras of the subtree at `path` (none for None). The caller authorised."""
    rows = await session.execute(
        select(Camera)
        .join(Organisation, Organisation.id == Camera.organisation_id)
        .where(Organisation.path.startswith(path or "\0"))
        .order_by(Organisation.path, Camera.name)
    )
    return list(rows.scalars())


async def list_all_cameras(session: AsyncSession) -> list[Camera]:
    """Every camera (the operator's CLI on the server)."""
    rows = await session.execute(select(Camera).order_by(Camera.created_at))
    return list(rows.scalars())


async def do_update_camera(
    session: AsyncSession,
    subject: Subject,
    box: CredentialBox,
    camera: Camera,
    changes: dict[str, Any],
    ip: str | None = None,
) -> Camera:
    """Apply `changes` (name, location, organisationId, rtspUrl, transport,
    gbDeviceId/gbChannelId, username/password). Audited with the changed field
    names only (never values of credentials)."""
    changed = sorted(changes)
    if "name" in changes:
        camera.name = _check_text(str(changes["name"]), "name", 100)
    if "location" in changes:
        camera.location = _check_text(str(changes["location"]), "location", 200, required=False)
    if "organisationId" in changes:
        target = await session.get(Organisation, str(changes["organisationId"]))
        if target is None:
            raise DomainError("not_found", "机构不存在 / no such organisation", 404)
        _authorize(subject, policy.CAMERA_MANAGE, target.path)
        camera.organisation_id = target.id
    source_keys = {"rtspUrl", "transport", "gbDeviceId", "gbChannelId", "username", "password"}
    if source_keys & set(changes):
        old = box.open(camera.credentials, camera.id)
        rtsp = changes.get("rtspUrl")
        device, channel = changes.get("gbDeviceId"), changes.get("gbChannelId")
        if rtsp is None and device is None and channel is None:  # the same source
            if camera.source == CAMERA_RTSP:
                rtsp = camera.rtsp_url
            else:
                device, channel = camera.gb_device_id, camera.gb_channel_id
        credentials: Credentials | None = None
        if "username" in changes or "password" in changes:
            credentials = Credentials(
                str(changes.get("username", old.username)),
                str(changes.get("password", old.password)),
            )
        elif rtsp and not split_userinfo(str(rtsp))[1]:
            credentials = old  # a new address keeps the stored credentials
        await _set_source(
            session,
            camera,
            box,
            str(rtsp) if rtsp else None,
            str(changes.get("transport", camera.rtsp_transport)),
            str(device) if device else None,
            str(channel) if channel else None,
            credentials,
        )
    camera.updated_at = utcnow()
    await do_append_audit(
        session,
        actor=subject.id,
        action="camera.update",
        target=f"camera:{camera.id}",
        ip=ip,
        detail={"fields": changed},
    )
    return camera


async def do_delete_camera(
    session: AsyncSession, subject: Subject, camera: Camera, ip: str | None = None
) -> None:
    await do_append_audit(
        session,
        actor=subject.id,
        action="camera.delete",
        target=f"camera:{camera.id}",
        ip=ip,
        detail={"name": camera.name, "organisation": camera.organisation_id},
    )
    await session.delete(camera)
    await session.flush()


async def do_record_camera_state(
    session: AsyncSession,
    camera_id: str,
    *,
    state: str,
    detail: str,
    last_frame_at: Any = None,
) -> bool:
    """Keep the state the live source reported (telemetry from the camera, not a
    person's act: not audited; rooms.live_cameras calls this on each change)."""
    camera = await session.get(Camera, camera_id)
    if camera is None:
        return False
    camera.state, camera.state_detail, camera.state_at = state, detail[:500], utcnow()
    if last_frame_at is not None:
        camera.last_frame_at = last_frame_at
    return True


# -- GB/T 28181 devices -------------------------------------------------------------------
async def do_bind_gb_device(
    session: AsyncSession,
    subject: Subject,
    box: CredentialBox,
    *,
    organisation: Organisation,
    device_id: str,
    name: str,
    password: str | None,
    ip: str | None = None,
) -> GbDeviceBinding:
    """Let a device (or lower platform) register, under `organisation`."""
    _authorize(subject, policy.CAMERA_MANAGE, organisation.path)
    check_gb_id(device_id, "deviceId")
    if await session.get(GbDeviceBinding, device_id) is not None:
        raise DomainError("conflict", f"设备 {device_id} 已登记 / device already bound", 409)
    binding = GbDeviceBinding(
        device_id=device_id,
        organisation_id=organisation.id,
        name=_check_text(name, "name", 100),
        credentials=box.seal(Credentials(device_id, password or ""), device_id),
        created_by=subject.id,
    )
    session.add(binding)
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action="gb_device.bind",
        target=f"gb_device:{device_id}",
        ip=ip,
        detail={"organisation": organisation.id, "name": binding.name},
    )
    return binding


async def access_gb_device_by_id(
    session: AsyncSession, subject: Subject, device_id: str, action: str = policy.CAMERA_VIEW
) -> tuple[GbDeviceBinding, str]:
    _authorize_role(subject, action)
    binding = await session.get(GbDeviceBinding, device_id) if len(device_id) <= 20 else None
    if binding is None:
        raise DomainError("not_found", "设备不存在 / no such device", 404)
    path = await org_path(session, binding.organisation_id)
    _authorize(subject, action, path)
    return binding, path or ""


async def list_gb_devices(session: AsyncSession, subject: Subject) -> list[GbDeviceBinding]:
    _authorize(subject, policy.CAMERA_VIEW, None)
    rows = await session.execute(
        select(GbDeviceBinding)
        .join(Organisation, Organisation.id == GbDeviceBinding.organisation_id)
        .where(Organisation.path.startswith(subject.org_path or "\0"))
        .order_by(GbDeviceBinding.device_id)
    )
    return list(rows.scalars())


async def do_unbind_gb_device(
    session: AsyncSession, subject: Subject, binding: GbDeviceBinding, ip: str | None = None
) -> None:
    await do_append_audit(
        session,
        actor=subject.id,
        action="gb_device.unbind",
        target=f"gb_device:{binding.device_id}",
        ip=ip,
    )
    await session.delete(binding)
    await session.flush()


async def gb_device_passwords(session: AsyncSession, box: CredentialBox) -> dict[str, str | None]:
    """Every bound device and its own password (None: the platform's shared one),
    for the SIP platform's credential policy (signaling.gb28181.bindings)."""
    rows = (await session.execute(select(GbDeviceBinding))).scalars()
    return {b.device_id: box.open(b.credentials, b.device_id).password or None for b in rows}


# -- cameras in rooms -----------------------------------------------------------------------
async def attached_cameras(session: AsyncSession, room_id: str) -> list[tuple[RoomCamera, Camera]]:
    """The cameras attached to a room now (not detached), in attach order."""
    rows = await session.execute(
        select(RoomCamera, Camera)
        .join(Camera, Camera.id == RoomCamera.camera_id)
        .where(RoomCamera.room_id == room_id, RoomCamera.detached_at.is_(None))
        .order_by(RoomCamera.attached_at)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def _attachment(session: AsyncSession, room_id: str, camera_id: str) -> RoomCamera | None:
    return await session.scalar(
        select(RoomCamera).where(
            RoomCamera.room_id == room_id,
            RoomCamera.camera_id == camera_id,
            RoomCamera.detached_at.is_(None),
        )
    )


async def do_attach_camera(
    session: AsyncSession,
    room: Room,
    camera: Camera,
    *,
    actor: str,
    ip: str | None = None,
) -> tuple[RoomCamera, bool]:
    """Attach (once; returns (attachment, False) when it was attached already).
    The caller has authorised `actor` on both the room and the camera."""
    if room.state == ROOM_ENDED:
        raise DomainError("room_ended", "调解室已结束 / the room has ended", 410)
    existing = await _attachment(session, room.id, camera.id)
    if existing is not None:
        return existing, False
    attachment = RoomCamera(room_id=room.id, camera_id=camera.id, attached_by=actor)
    session.add(attachment)
    await session.flush()
    await do_append_audit(
        session,
        actor=actor,
        action="camera.attach",
        target=f"room:{room.id}",
        ip=ip,
        detail={"camera": camera.id, "name": camera.name},
    )
    return attachment, True


async def do_detach_camera(
    session: AsyncSession, room_id: str, camera_id: str, *, actor: str, ip: str | None = None
) -> bool:
    attachment = await _attachment(session, room_id, camera_id)
    if attachment is None:
        return False
    attachment.detached_at = utcnow()
    await do_append_audit(
        session,
        actor=actor,
        action="camera.detach",
        target=f"room:{room_id}",
        ip=ip,
        detail={"camera": camera_id},
    )
    return True


async def do_share_camera(
    session: AsyncSession,
    room_id: str,
    camera_id: str,
    shared: bool,
    *,
    actor: str,
    ip: str | None = None,
) -> RoomCamera:
    """Show an attached camera to the room's parties too, or stop (audited either way)."""
    attachment = await _attachment(session, room_id, camera_id)
    if attachment is None:
        raise DomainError("not_attached", "摄像机未接入本调解室 / camera not in this room", 404)
    attachment.shared = shared
    await do_append_audit(
        session,
        actor=actor,
        action="camera.share" if shared else "camera.unshare",
        target=f"room:{room_id}",
        ip=ip,
        detail={"camera": camera_id},
    )
    return attachment


async def staff_may_use_camera(
    session: AsyncSession, role: str, org_id: str | None, camera: Camera, action: str
) -> bool:
    """Inside a room (a seat token carries no subtree): may a staff member of
    organisation `org_id` with `role` do `action` on `camera`?"""
    if not policy.may_in_room(role, action) or not org_id:
        return False
    staff_path = await org_path(session, org_id)
    camera_path = await org_path(session, camera.organisation_id)
    return policy.in_subtree(staff_path, camera_path)
