"""Evidence from cameras in live rooms: snapshots and clips with pre-roll.

Lives in signaling (it joins a live room, the recorder and the audit log): the live
camera knows the last seconds of video (rooms.live_cameras, a GopBuffer per
pulled camera), the recorder knows evidence (recorder.camera_capture); this
module joins them, and audits each capture with the person who took it.

A capture needs the camera attached to the room and live on this node. A clip runs
until stopped, the camera leaves the room, the room closes, or `clip_max_s`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from media.camera_source import CameraState, StateChange
from media.gop_buffer import GopBuffer
from recorder.camera_capture import (
    CLIP,
    SNAPSHOT,
    CameraClip,
    CaptureError,
    CaptureInfo,
    finish,
    take_snapshot,
)
from recorder.manifest import RecordingMetadata
from recorder.signing import load_or_create_signing_key
from recorder.store import recordings_dir
from rooms.audit import do_append_audit
from rooms.cameras import CameraSpec
from rooms.domain import DomainError
from rooms.live_room import LiveRoom
from rooms.models import Room
from signaling.keys import CAMERA_SETTINGS, DATABASE, LIVE_CAMERAS, RECORDINGS, SERVER
from signaling.room_cameras import feed_of

logger = logging.getLogger(__name__)

KEYFRAME_WAIT_S = 10.0  # a camera just attached: wait this long for its first keyframe


@dataclass
class Taker:
    """Who takes the evidence: a name for the manifest, a subject for the audit log."""

    name: str
    subject: str


@dataclass
class _Running:
    clip: CameraClip
    buffer: GopBuffer
    room_id: str
    camera_id: str
    taker: Taker
    timer: asyncio.TimerHandle | None = None


def source_text(spec: CameraSpec) -> str:
    """The camera's source for a manifest: never its credentials."""
    if spec.rtsp_url:
        return spec.rtsp_url  # stored without userinfo
    return f"GB/T 28181 device {spec.gb_device_id} channel {spec.gb_channel_id}"


class CameraCaptures:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._clips: dict[tuple[str, str], _Running] = {}
        self._tasks: set[asyncio.Future[Any]] = set()

    def clip_of(self, room_id: str, camera_id: str) -> CameraClip | None:
        running = self._clips.get((room_id, camera_id))
        return running.clip if running else None

    def _buffer(self, room: LiveRoom, camera_id: str) -> tuple[GopBuffer, CameraSpec]:
        live = self.app[LIVE_CAMERAS].get(camera_id)
        if feed_of(room, camera_id) is None or live is None:
            raise DomainError("not_attached", "摄像机未接入本调解室 / camera not in this room", 409)
        if live.buffer is None:
            raise DomainError(
                "capture_disabled", "未启用视频缓存 / no pre-roll kept (cameras.preroll_s = 0)", 409
            )
        source = live.source
        if source.state not in (CameraState.ONLINE, CameraState.CONNECTING):
            change = StateChange(source.state, source.state, source.detail)
            raise DomainError("no_video", f"摄像机暂无画面 / no picture: {change.message}", 409)
        return live.buffer, live.spec

    def _metadata(self, stored: Room, taker: Taker) -> RecordingMetadata:
        return RecordingMetadata(
            case_id=stored.case_id or "",
            room=stored.name,
            organisation=stored.organisation_id or "",
            started_by=taker.name,
        )

    async def _keyframe(self, buffer: GopBuffer) -> None:
        try:
            await buffer.next_keyframe(KEYFRAME_WAIT_S)
        except TimeoutError:
            raise DomainError(
                "no_video", "摄像机暂无画面，请稍后再试 / no picture from the camera yet", 409
            ) from None

    # -- snapshots ---------------------------------------------------------------------------
    async def snapshot(
        self, room: LiveRoom, stored: Room, camera_id: str, taker: Taker
    ) -> dict[str, Any]:
        buffer, spec = self._buffer(room, camera_id)
        await self._keyframe(buffer)
        gop = buffer.last_gop()
        info = CaptureInfo(
            SNAPSHOT, spec.id, spec.name, source_text(spec), taker.name, taker.subject
        )
        try:
            sealer = await asyncio.to_thread(
                take_snapshot,
                recordings_dir(self.app[SERVER].data_dir),
                gop,
                self._metadata(stored, taker),
                info,
                algorithm=self.app[RECORDINGS].settings.hash_algorithm,
            )
        except CaptureError as exc:
            raise DomainError("capture_failed", f"抓拍失败 / snapshot failed: {exc}", 500) from None
        key = await asyncio.to_thread(load_or_create_signing_key, self.app[SERVER].data_dir)
        await finish(sealer, key, self.app[RECORDINGS].settings.tsa_url)
        evidence_id = sealer.state["id"]
        await self._audit(taker, "evidence.snapshot", evidence_id, room.id, camera_id)
        return {
            "evidenceId": evidence_id,
            "kind": SNAPSHOT,
            "cameraId": camera_id,
            "frameAt": sealer.state["evidence"]["frame_at"],
            "picture": sealer.state["evidence"]["picture"],
        }

    # -- clips -----------------------------------------------------------------------------------
    async def start_clip(
        self, room: LiveRoom, stored: Room, camera_id: str, taker: Taker
    ) -> dict[str, Any]:
        key = (room.id, camera_id)
        if key in self._clips:
            raise DomainError(
                "clip_running", "此摄像机正在录制片段 / a clip is already running", 409
            )
        buffer, spec = self._buffer(room, camera_id)
        await self._keyframe(buffer)
        if key in self._clips:  # started by someone else while we waited
            raise DomainError(
                "clip_running", "此摄像机正在录制片段 / a clip is already running", 409
            )
        info = CaptureInfo(CLIP, spec.id, spec.name, source_text(spec), taker.name, taker.subject)
        clip = CameraClip(
            recordings_dir(self.app[SERVER].data_dir),
            self._metadata(stored, taker),
            info,
            algorithm=self.app[RECORDINGS].settings.hash_algorithm,
            segment_duration_s=self.app[RECORDINGS].settings.segment_duration_s,
        )
        running = _Running(clip, buffer, room.id, camera_id, taker)
        preroll = buffer.follow(clip.push)  # the pre-roll now, every live frame from here
        try:
            clip.start(preroll)  # no await between follow() and start(): nothing missed
        except BaseException:
            buffer.unfollow(clip.push)
            raise
        self._clips[key] = running
        loop = asyncio.get_running_loop()
        running.timer = loop.call_later(
            self.app[CAMERA_SETTINGS].clip_max_s,
            lambda: self._spawn(self.stop_clip(room.id, camera_id)),
        )
        room.router.observer.once("close", lambda: self._spawn(self.stop_room(room.id)))
        live = self.app[LIVE_CAMERAS].get(camera_id)
        if live is not None:  # the camera deleted, or its source changed
            live.source.observer.once(
                "close", lambda: self._spawn(self.stop_camera(room.id, camera_id))
            )
        await self._audit(taker, "evidence.clip.start", clip.id, room.id, camera_id)
        return {
            "evidenceId": clip.id,
            "kind": CLIP,
            "cameraId": camera_id,
            "prerollS": round(clip.preroll_s, 2),
            "startedAt": clip.started_at,
        }

    async def stop_clip(
        self, room_id: str, camera_id: str, taker: Taker | None = None
    ) -> dict[str, Any]:
        running = self._clips.pop((room_id, camera_id), None)
        if running is None:
            raise DomainError("no_clip", "此摄像机没有正在录制的片段 / no clip running", 409)
        if running.timer is not None:
            running.timer.cancel()
        running.buffer.unfollow(running.clip.push)
        key = await asyncio.to_thread(load_or_create_signing_key, self.app[SERVER].data_dir)
        directory = await running.clip.stop(key, self.app[RECORDINGS].settings.tsa_url)
        clip = running.clip
        await self._audit(
            taker or Taker("system", "system"), "evidence.clip.stop", clip.id, room_id, camera_id
        )
        logger.info("clip %s sealed (%d frames)", clip.id, clip.frames)
        return {
            "evidenceId": clip.id,
            "kind": CLIP,
            "cameraId": camera_id,
            "prerollS": round(clip.preroll_s, 2),
            "frames": clip.frames,
            "path": directory.name,
        }

    async def stop_camera(self, room_id: str, camera_id: str, actor: Taker | None = None) -> None:
        """The camera left the room: its clip (if any) ends and is sealed."""
        if (room_id, camera_id) in self._clips:
            await self.stop_clip(room_id, camera_id, actor)

    async def stop_room(self, room_id: str) -> None:
        for r, c in [k for k in self._clips if k[0] == room_id]:
            await self.stop_clip(r, c)

    async def stop_all(self) -> None:
        for r, c in list(self._clips):
            await self.stop_clip(r, c)

    # -- helpers -----------------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        async def quietly() -> None:
            try:
                await coro
            except DomainError:
                pass  # stopped meanwhile
            except Exception:
                logger.exception("stopping a clip failed")

        task = asyncio.ensure_future(quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _audit(
        self, taker: Taker, action: str, evidence_id: str, room_id: str, camera_id: str
    ) -> None:
        await self.app[DATABASE].run(
            lambda s: do_append_audit(
                s,
                actor=taker.subject,
                action=action,
                target=f"recording:{evidence_id}",
                detail={"room": room_id, "camera": camera_id},
            )
        )
