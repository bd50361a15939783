"""The live monitor: watches this node's live rooms and tells an AlarmSink when an
alarm should be raised or cleared. It stores nothing and touches no socket (the
sink does: signaling.alarm_service).

- participant_dropped: a participant's connection went (raised at once; cleared when
  it comes back or leaves on its own; one that never came back stays for an operator)
- room_overtime: a live room open longer than the planned time (cleared as it closes)
- party_alone: parties (no staff) alone in a room longer than N minutes
- recording_failed: reported from outside (`report`), by the recording control
- camera_offline: not here; command_center.camera_watch follows the cameras
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from command_center.alarms import PARTICIPANT_DROPPED, PARTY_ALONE, ROOM_OVERTIME
from rooms.live_events import (
    LeaveReason,
    ParticipantDropped,
    ParticipantJoined,
    ParticipantLeft,
    RoomClosed,
    RoomOpened,
)
from rooms.live_room import LiveParticipant, LiveRoom, LiveRooms
from rooms.tokens import ROOM_ROLES


class AlarmSink(Protocol):
    def raise_alarm(
        self, kind: str, room_id: str | None, key: str, detail: dict[str, Any]
    ) -> None: ...

    def clear_alarm(self, kind: str, room_id: str | None, key: str) -> None: ...


class LiveMonitor:
    def __init__(
        self,
        rooms: LiveRooms,
        sink: AlarmSink,
        *,
        planned_s: float,
        alone_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._planned_s = planned_s
        self._alone_s = alone_s
        self._clock = clock
        self._rooms: dict[str, tuple[LiveRoom, float]] = {}  # id -> (room, opened at)
        self._alone_since: dict[str, float] = {}
        self._raised: set[tuple[str, str]] = set()  # (kind, room) of time-based alarms
        self._dropped: set[tuple[str, str]] = set()  # (room, participant) raised as dropped
        rooms.observer.on(RoomOpened, lambda e: self.watch(e.room))

    def watch(self, room: LiveRoom) -> None:
        """Follow a live room's typed events (rooms.live_events)."""
        if room.id in self._rooms:
            return
        self._rooms[room.id] = (room, self._clock())
        room.observer.on(ParticipantDropped, lambda e: self._on_drop(room, e.participant))
        room.observer.on(ParticipantJoined, lambda e: self._back(room, e.participant))
        room.observer.on(ParticipantLeft, lambda e: self._left(room, e.participant, e.reason))
        room.observer.on(RoomClosed, lambda e: self._closed(room))

    def _on_drop(self, room: LiveRoom, participant: LiveParticipant) -> None:
        self._dropped.add((room.id, participant.id))
        self._sink.raise_alarm(
            PARTICIPANT_DROPPED,
            room.id,
            participant.id,
            {"name": participant.name, "role": participant.role},
        )

    def _back(self, room: LiveRoom, participant: LiveParticipant) -> None:
        if (room.id, participant.id) in self._dropped:
            self._dropped.discard((room.id, participant.id))
            self._sink.clear_alarm(PARTICIPANT_DROPPED, room.id, participant.id)

    def _left(self, room: LiveRoom, participant: LiveParticipant, reason: LeaveReason) -> None:
        if reason == LeaveReason.DISCONNECTED:  # never came back: stays raised for an operator
            self._dropped.discard((room.id, participant.id))
        else:  # left on its own, removed, room ended: not a drop
            self._back(room, participant)

    def _closed(self, room: LiveRoom) -> None:
        self._rooms.pop(room.id, None)
        self._dropped = {d for d in self._dropped if d[0] != room.id}
        self._alone_since.pop(room.id, None)
        for kind in (ROOM_OVERTIME, PARTY_ALONE):
            if (kind, room.id) in self._raised:
                self._raised.discard((kind, room.id))
                self._sink.clear_alarm(kind, room.id, "")

    def report(self, kind: str, room_id: str | None, key: str = "", **detail: Any) -> None:
        """An alarm found by another part of the hub (a failed recording, a camera)."""
        self._sink.raise_alarm(kind, room_id, key, detail)

    def check(self) -> None:
        """The time-based rules, over every live room (called every few seconds)."""
        now = self._clock()
        for room_id, (room, opened) in list(self._rooms.items()):
            if room.closed:
                self._closed(room)
                continue
            if now - opened >= self._planned_s:
                self._set(ROOM_OVERTIME, room, {"minutes": round((now - opened) / 60)})
            people = room.participants
            alone = bool(people) and all(p.role in ROOM_ROLES for p in people)
            if not alone:
                self._alone_since.pop(room_id, None)
                self._unset(PARTY_ALONE, room)
                continue
            since = self._alone_since.setdefault(room_id, now)
            if now - since >= self._alone_s:
                self._set(PARTY_ALONE, room, {"names": [p.name for p in people]})

    def _set(self, kind: str, room: LiveRoom, detail: dict[str, Any]) -> None:
        if (kind, room.id) not in self._raised:
            self._raised.add((kind, room.id))
            self._sink.raise_alarm(kind, room.id, "", detail)

    def _unset(self, kind: str, room: LiveRoom) -> None:
        if (kind, room.id) in self._raised:
            self._raised.discard((kind, room.id))
            self._sink.clear_alarm(kind, room.id, "")


__all__ = ["AlarmSink", "LiveMonitor"]
