"""Alarms between the live monitor and the people: each raise or clear the monitor
(command_center.monitor) or the camera watch (command_center.camera_watch) asks
for becomes a unit of work (command_center.alarms, audited), then operators of
the alarm's subtree hear `alarm` on /wall, screens resync (`alarms-changed`), and
walls a rule changed hear `wall-changed`.

Operations run one at a time, in order, off the caller's path: the monitor is
called from media and room events and must never wait on the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import alarms
from command_center.alarms import CAMERA_OFFLINE, RECORDING_FAILED
from command_center.camera_watch import CameraWatch
from command_center.monitor import LiveMonitor
from recorder.control import RecordingFailed
from rooms.domain import org_path
from rooms.models import Alarm, Wall
from signaling.keys import (
    ALARMS,
    COMMAND_CENTER_SETTINGS,
    DATABASE,
    LIVE_CAMERAS,
    LIVE_ROOMS,
    RECORDINGS,
    ROOMS_SETTINGS,
    WALL_NAMESPACE,
)

logger = logging.getLogger(__name__)

ALARM_ROOM_PREFIX = "alarms:"  # socket.io rooms of /wall: alarms:<org id> (and :unowned)
SCREENS_ROOM = "screens"  # every wall screen (all nodes)


def alarm_rooms(path: str | None) -> list[str]:
    """The socket.io rooms that hear an alarm of an organisation at `path`: every
    ancestor's (operators join their own organisation's)."""
    if not path:
        return [ALARM_ROOM_PREFIX + "unowned"]
    return [ALARM_ROOM_PREFIX + part for part in path.strip("/").split("/") if part]


class AlarmService:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        settings = app[COMMAND_CENTER_SETTINGS]
        self.levels: list[str] = list(app[ROOMS_SETTINGS].severity_levels)
        self.kind_levels: dict[str, str] = dict(settings.alarm_levels)
        self.monitor = LiveMonitor(
            app[LIVE_ROOMS],
            self,
            planned_s=settings.planned_minutes * 60,
            alone_s=settings.party_alone_minutes * 60,
        )
        app[RECORDINGS].observer.on(RecordingFailed, self._recording_failed)
        self.cameras = CameraWatch(app[LIVE_CAMERAS], self)
        self._queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()

    def _recording_failed(self, event: RecordingFailed) -> None:
        self.monitor.report(RECORDING_FAILED, event.room.id, event.recording_id, error=event.error)

    def level_of(self, kind: str) -> str:
        level = self.kind_levels.get(kind)
        return level if level in self.levels else self.levels[-1]

    # -- AlarmSink -----------------------------------------------------------------------
    def raise_alarm(self, kind: str, room_id: str | None, key: str, detail: dict[str, Any]) -> None:
        self._enqueue(lambda: self._raise(kind, room_id, key, detail))

    def clear_alarm(self, kind: str, room_id: str | None, key: str) -> None:
        self._enqueue(lambda: self._clear(kind, room_id, key))

    # -- CameraAlarmSink ---------------------------------------------------------------
    def raise_camera_alarm(
        self,
        camera_id: str,
        organisation_id: str | None,
        room_id: str | None,
        detail: dict[str, Any],
    ) -> None:
        self._enqueue(
            lambda: self._raise(CAMERA_OFFLINE, room_id, camera_id, detail, organisation_id)
        )

    def clear_camera_alarm(self, camera_id: str) -> None:
        self._enqueue(lambda: self._clear(CAMERA_OFFLINE, None, camera_id, any_room=True))

    def _enqueue(self, job: Callable[[], Awaitable[None]]) -> None:
        self._idle.clear()
        self._queue.put_nowait(job)

    async def drained(self) -> None:
        """Until every raise and clear asked for so far has run (tests)."""
        await self._idle.wait()

    async def run(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception:
                logger.exception("alarm operation failed")
            if self._queue.empty():
                self._idle.set()

    # -- units of work, then the news ---------------------------------------------------------
    async def _raise(
        self,
        kind: str,
        room_id: str | None,
        key: str,
        detail: dict[str, Any],
        organisation_id: str | None = None,
    ) -> None:
        level = self.level_of(kind)

        async def work(s: AsyncSession) -> tuple[alarms.Raised, str | None, list[tuple[str, int]]]:
            raised = await alarms.do_raise_alarm(
                s,
                kind=kind,
                level=level,
                room_id=room_id,
                key=key,
                detail=detail,
                levels=self.levels,
                organisation_id=organisation_id,
            )
            walls = [(w, (await s.get(Wall, w)).version) for w in raised.walls]  # type: ignore[union-attr]
            return raised, await org_path(s, raised.alarm.organisation_id), walls

        raised, path, walls = await self.app[DATABASE].run(work)
        if raised.new:
            await self._tell(raised.alarm, path)
            for wall_id, version in walls:
                await self.app[WALL_NAMESPACE].wall_changed(wall_id, version)

    async def _clear(
        self, kind: str, room_id: str | None, key: str, *, any_room: bool = False
    ) -> None:
        async def work(s: AsyncSession) -> tuple[Alarm | None, str | None]:
            alarm = await alarms.do_clear_alarm(
                s, kind=kind, room_id=room_id, key=key, any_room=any_room
            )
            return alarm, await org_path(s, alarm.organisation_id) if alarm else None

        alarm, path = await self.app[DATABASE].run(work)
        if alarm is not None:
            await self._tell(alarm, path)

    async def _tell(self, alarm: Alarm, path: str | None) -> None:
        namespace = self.app[WALL_NAMESPACE]
        payload = alarms.alarm_json(alarm)
        for room in alarm_rooms(path):
            await namespace.emit("alarm", payload, room=room)
        await namespace.emit("alarms-changed", {"roomId": alarm.room_id}, room=SCREENS_ROOM)

    async def acknowledged(self, alarm: Alarm, path: str | None) -> None:
        await self._tell(alarm, path)


async def _alarm_ctx(app: web.Application) -> AsyncIterator[None]:
    service = AlarmService(app)
    app[ALARMS] = service
    worker = asyncio.ensure_future(service.run())

    async def check() -> None:
        interval = app[COMMAND_CENTER_SETTINGS].alarm_check_s
        while True:
            await asyncio.sleep(interval)
            try:
                service.monitor.check()
            except Exception:
                logger.exception("alarm check failed")

    checker = asyncio.ensure_future(check())
    yield
    checker.cancel()
    worker.cancel()
    # let a job that is inside a database call finish its cancellation while the
    # database is still open (after this the app closes it, and a job left
    # "cancelling" there would keep the loop from closing)
    await asyncio.wait({checker, worker}, timeout=5)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_alarm_ctx)


__all__ = ["ALARM_ROOM_PREFIX", "SCREENS_ROOM", "AlarmService", "alarm_rooms", "setup"]
