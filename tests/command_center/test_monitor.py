"""The live monitor over real live rooms (a fake notifier, a fake clock): what it
raises and clears, and when."""

from __future__ import annotations

import asyncio
from typing import Any

from command_center.monitor import LiveMonitor
from media.counters import MediaCounters
from media.settings import MediaSettings
from rooms.live_events import LeaveReason, ParticipantLeft
from rooms.live_room import LiveRooms, RoomFacts
from rooms.settings import RoomsSettings


class Quiet:
    def to_participant(self, participant_id: str, event: str, payload: dict[str, Any]) -> None:
        pass

    def to_room(
        self, room_id: str, event: str, payload: dict[str, Any], *, skip: str | None = None
    ) -> None:
        pass

    async def dismiss(
        self, room_id: str, participant_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        pass


class Sink:
    def __init__(self) -> None:
        self.log: list[tuple[str, str, str | None, str]] = []

    def raise_alarm(self, kind: str, room_id: str | None, key: str, detail: dict[str, Any]) -> None:
        self.log.append(("raise", kind, room_id, key))

    def clear_alarm(self, kind: str, room_id: str | None, key: str) -> None:
        self.log.append(("clear", kind, room_id, key))


async def test_drops_overtime_and_a_party_alone() -> None:
    rooms = LiveRooms(RoomsSettings(), MediaSettings(), Quiet(), counters=MediaCounters())
    sink, now = Sink(), [0.0]
    monitor = LiveMonitor(rooms, sink, planned_s=600, alone_s=30, clock=lambda: now[0])
    room = await rooms.open(RoomFacts(id="r1", name="东城"))
    party, _ = await room.join(subject="p", name="张三", role="party")
    monitor.check()
    now[0] = 29
    monitor.check()
    assert sink.log == []
    now[0] = 31
    monitor.check()
    monitor.check()  # once
    assert sink.log == [("raise", "party_alone", "r1", "")]
    await room.join(subject="m", name="李调解", role="mediator")
    monitor.check()
    assert sink.log[-1] == ("clear", "party_alone", "r1", "")

    room.disconnected(party.id)
    await room.observer.drain()  # the drop is emitted from synchronous code
    assert sink.log[-1] == ("raise", "participant_dropped", "r1", party.id)
    await room.join(subject="p", name="张三", role="party")  # back within the grace
    assert sink.log[-1] == ("clear", "participant_dropped", "r1", party.id)
    room.disconnected(party.id)
    await room.observer.drain()
    await room.leave(party.id, LeaveReason.REMOVED)  # removed by the mediator: not a drop any more
    assert sink.log[-1] == ("clear", "participant_dropped", "r1", party.id)

    now[0] = 601
    monitor.check()
    assert sink.log[-1] == ("raise", "room_overtime", "r1", "")
    monitor.report("recording_failed", "r1", "rec-1", error="disk full")
    assert sink.log[-1] == ("raise", "recording_failed", "r1", "rec-1")
    await room.close()
    assert sink.log[-1] == ("clear", "room_overtime", "r1", "")
    await rooms.close()


async def test_a_drop_that_never_comes_back_stays_raised() -> None:
    rooms = LiveRooms(
        RoomsSettings(reconnect_grace_s=0.01), MediaSettings(), Quiet(), counters=MediaCounters()
    )
    sink = Sink()
    LiveMonitor(rooms, sink, planned_s=600, alone_s=30)
    room = await rooms.open(RoomFacts(id="r2", name="西城"))
    party, _ = await room.join(subject="p", name="王五", role="party")
    gone = asyncio.Event()
    room.observer.on(ParticipantLeft, lambda e: gone.set())
    room.disconnected(party.id)
    await asyncio.wait_for(gone.wait(), 5)  # the grace runs out
    assert sink.log == [("raise", "participant_dropped", "r2", party.id)]
    await rooms.close()
