"""socket.io events for cameras in a room (docs/protocol.md, "Cameras"): the part
of signaling.room_namespace that lists, attaches, detaches, shares and steers
cameras from the room page. Thin: who may (rooms.policy, in the room: the seat
token's role and organisation), one unit of work with its audit entry
(rooms.cameras), then the live room (signaling.room_cameras).

    camera-list   {}                          -> {cameras: [...]}   staff who may attach
    camera-attach {cameraId}                  -> {camera: tile}     staff who may attach
    camera-detach {cameraId}                  -> {}                 staff who may attach
    camera-share  {cameraId, shared}          -> {shared}           moderators
    camera-ptz    {cameraId, pan, tilt, zoom, speed} -> {}          staff who may control
    camera-snapshot   {cameraId}  -> {evidence}   staff who may capture (sealed at once)
    camera-clip-start {cameraId}  -> {evidence}   the clip starts with the pre-roll
    camera-clip-stop  {cameraId}  -> {evidence}   sealed and signed
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rooms import cameras, policy
from rooms.domain import DomainError, org_path
from rooms.models import Camera, Room
from signaling import room_cameras
from signaling.camera_captures import Taker
from signaling.errors import fail
from signaling.keys import CAMERA_BOX, DATABASE, LIVE_CAMERAS
from signaling.models import Body, Wire
from signaling.room_messages import (
    CameraListAnswer,
    CameraPtzRequest,
    CameraRequest,
    CameraSharedAnswer,
    CameraShareRequest,
    CameraTileAnswer,
    Empty,
    EvidenceAnswer,
)
from signaling.socket_session import SocketSession

if TYPE_CHECKING:
    from rooms.live_room import LiveParticipant, LiveRoom
    from signaling.room_namespace import RoomNamespace

Handler = Callable[[SocketSession, Any], Awaitable[Wire | None]]


class CameraEvents:
    def __init__(self, namespace: RoomNamespace) -> None:
        self.ns = namespace

    def events(self) -> dict[str, tuple[type[Body], Handler]]:
        """event -> (its request model, its handler), for RoomNamespace.events."""
        return {
            "camera-list": (Empty, self.list_),
            "camera-attach": (CameraRequest, self.attach),
            "camera-detach": (CameraRequest, self.detach),
            "camera-share": (CameraShareRequest, self.share),
            "camera-ptz": (CameraPtzRequest, self.ptz),
            "camera-snapshot": (CameraRequest, self.snapshot),
            "camera-clip-start": (CameraRequest, self.clip_start),
            "camera-clip-stop": (CameraRequest, self.clip_stop),
        }

    @property
    def app(self) -> Any:
        return self.ns.app

    # -- who may ----------------------------------------------------------------------------
    def _staff(self, session: SocketSession, action: str) -> tuple[LiveRoom, LiveParticipant]:
        room, participant = session.joined()
        if not policy.may_in_room(participant.role, action) or session.token.org is None:
            raise fail("forbidden", "无权操作摄像机 / not allowed to use cameras")
        return room, participant

    async def _camera(self, session: SocketSession, db: Any, camera_id: str, action: str) -> Camera:
        camera: Camera | None = await db.get(Camera, camera_id) if len(camera_id) <= 32 else None
        if camera is None:
            raise fail("camera_not_found", "摄像机不存在 / no such camera")
        if not await cameras.staff_may_use_camera(
            db, session.token.role, session.token.org, camera, action
        ):
            raise fail("forbidden", "不在您的辖区内 / outside your organisation")
        return camera

    # -- events -----------------------------------------------------------------------------
    async def list_(self, session: SocketSession, data: Empty) -> CameraListAnswer:
        """The cameras this staff member may put into the room (their subtree)."""
        room, _ = self._staff(session, policy.CAMERA_ATTACH)
        async with self.app[DATABASE].session() as db:
            rows = await cameras.cameras_under(db, await org_path(db, session.token.org))
        live = self.app[LIVE_CAMERAS]
        return CameraListAnswer(
            cameras=[
                {
                    "id": c.id,
                    "name": c.name,
                    "tileName": cameras.TILE_PREFIX + c.name,
                    "location": c.location,
                    "source": c.source,
                    "ptz": c.source == "gb28181",
                    "state": (live.state(c.id) or {}).get("state", c.state),
                    "attached": f"camera:{c.id}" in room.cameras,
                }
                for c in rows
            ]
        )

    async def attach(self, session: SocketSession, data: CameraRequest) -> CameraTileAnswer:
        room, participant = self._staff(session, policy.CAMERA_ATTACH)
        camera_id = data.camera_id

        async def work(db: Any) -> Camera:
            camera = await self._camera(session, db, camera_id, policy.CAMERA_ATTACH)
            stored = await db.get(Room, room.id)
            if stored is None:
                raise fail("room_not_found")
            await cameras.do_attach_camera(db, stored, camera, actor=participant.subject)
            return camera

        camera = await self._run(work)
        feed = room_cameras.feed_of(room, camera.id) or room_cameras.bind(
            self.app, room, camera, shared=False
        )
        if feed is None:
            raise fail("camera_unavailable", "本节点无法拉取此摄像机 / this node can't pull it")
        tile = room.cameras[feed.tile_id]
        return CameraTileAnswer(camera=room.camera_info(tile))

    async def detach(self, session: SocketSession, data: CameraRequest) -> None:
        room, participant = self._staff(session, policy.CAMERA_ATTACH)
        camera_id = data.camera_id

        async def work(db: Any) -> bool:
            await self._camera(session, db, camera_id, policy.CAMERA_ATTACH)
            detached: bool = await cameras.do_detach_camera(
                db, room.id, camera_id, actor=participant.subject
            )
            return detached

        if not await self._run(work):
            raise fail("not_attached", "摄像机未接入本调解室 / camera not in this room")
        await self.ns.captures.stop_camera(room.id, camera_id, self._taker(session))
        await room_cameras.detach_live(self.app, room.id, camera_id)

    async def share(self, session: SocketSession, data: CameraShareRequest) -> CameraSharedAnswer:
        """Parties see the camera too (or stop): the mediator's call, audited either way."""
        room, participant = self._staff(session, policy.CAMERA_ATTACH)
        if not policy.may_in_room(participant.role, policy.ROOM_MODERATE):
            raise fail("forbidden", "只有调解员可以向当事人展示 / mediators only")
        camera_id, shared = data.camera_id, data.shared

        async def work(db: Any) -> None:
            await self._camera(session, db, camera_id, policy.CAMERA_ATTACH)
            await cameras.do_share_camera(db, room.id, camera_id, shared, actor=participant.subject)

        await self._run(work)
        room_cameras.share_live(self.app, room.id, camera_id, shared)
        return CameraSharedAnswer(camera_id=camera_id, shared=shared)

    async def ptz(self, session: SocketSession, data: CameraPtzRequest) -> None:
        room, _ = self._staff(session, policy.CAMERA_CONTROL)
        camera_id = data.camera_id
        if f"camera:{camera_id}" not in room.cameras:
            raise fail("not_attached", "摄像机未接入本调解室 / camera not in this room")
        async with self.app[DATABASE].session() as db:
            camera = await self._camera(session, db, camera_id, policy.CAMERA_CONTROL)
            spec = cameras.camera_spec(camera, self.app[CAMERA_BOX])
        try:
            await room_cameras.ptz_move(
                self.app, spec, pan=data.pan, tilt=data.tilt, zoom=data.zoom, speed=data.speed
            )
        except DomainError as exc:
            raise fail(exc.code, exc.message) from None

    # -- evidence ------------------------------------------------------------------------------
    @staticmethod
    def _taker(session: SocketSession) -> Taker:
        return Taker(session.token.name, session.token.sub)

    async def _capture_target(
        self, session: SocketSession, data: CameraRequest
    ) -> tuple[Any, Room, str]:
        room, _ = self._staff(session, policy.CAMERA_CAPTURE)
        camera_id = data.camera_id
        async with self.app[DATABASE].session() as db:
            await self._camera(session, db, camera_id, policy.CAMERA_CAPTURE)
            stored = await db.get(Room, room.id)
        if stored is None:
            raise fail("room_not_found")
        return room, stored, camera_id

    async def snapshot(self, session: SocketSession, data: CameraRequest) -> EvidenceAnswer:
        room, stored, camera_id = await self._capture_target(session, data)
        try:
            taken = await self.ns.captures.snapshot(room, stored, camera_id, self._taker(session))
        except DomainError as exc:
            raise fail(exc.code, exc.message) from None
        return EvidenceAnswer(evidence=taken)

    async def clip_start(self, session: SocketSession, data: CameraRequest) -> EvidenceAnswer:
        room, stored, camera_id = await self._capture_target(session, data)
        try:
            started = await self.ns.captures.start_clip(
                room, stored, camera_id, self._taker(session)
            )
        except DomainError as exc:
            raise fail(exc.code, exc.message) from None
        return EvidenceAnswer(evidence=started)

    async def clip_stop(self, session: SocketSession, data: CameraRequest) -> EvidenceAnswer:
        room, _, camera_id = await self._capture_target(session, data)
        try:
            sealed = await self.ns.captures.stop_clip(room.id, camera_id, self._taker(session))
        except DomainError as exc:
            raise fail(exc.code, exc.message) from None
        return EvidenceAnswer(evidence=sealed)

    async def _run(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            return await self.app[DATABASE].run(work)
        except DomainError as exc:
            raise fail(exc.code, exc.message) from None
