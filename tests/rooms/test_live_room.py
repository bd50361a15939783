"""The live room without socket.io: a fake Notifier records what participants are
told, a listener records the typed events (rooms.live_events)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiortc import RTCSessionDescription

from media._aioice_taps import set_host_addresses
from media.counters import MediaCounters
from media.transport import RouterOptions
from rooms.live_events import (
    CloseReason,
    ConsentGiven,
    ConsentMethod,
    LeaveReason,
    LiveRoomEvent,
    ParticipantJoined,
    ParticipantLeft,
    ProducerAdded,
    ProducerRemoved,
    RoomClosed,
    RoomClosing,
    RoomOpened,
)
from rooms.live_room import LiveRoom, LiveRooms, RoomError, RoomFacts
from rooms.settings import RoomsSettings
from tests.media.fixtures import PacketTrack, encoded_opus, publisher_pc


@dataclass
class FakeNotifier:
    """What the room said, in order: (to, event, payload)."""

    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    dismissed: list[tuple[str, str]] = field(default_factory=list)

    def to_participant(self, participant_id: str, event: str, payload: dict[str, Any]) -> None:
        self.sent.append((participant_id, event, payload))

    def to_room(
        self, room_id: str, event: str, payload: dict[str, Any], *, skip: str | None = None
    ) -> None:
        self.sent.append((f"room:{room_id}" + (f"-{skip}" if skip else ""), event, payload))

    async def dismiss(
        self, room_id: str, participant_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        self.dismissed.append((participant_id, event))

    def events(self, name: str) -> list[dict[str, Any]]:
        return [payload for _, event, payload in self.sent if event == name]


@dataclass
class World:
    rooms: LiveRooms
    notifier: FakeNotifier
    seen: list[LiveRoomEvent]

    async def room(self, room_id: str = "r1", **facts: Any) -> LiveRoom:
        return await self.rooms.open(RoomFacts(id=room_id, name="调解室", **facts))


@pytest.fixture
async def world() -> AsyncIterator[World]:
    set_host_addresses(["127.0.0.1"], discover=False)
    notifier = FakeNotifier()
    settings = RoomsSettings(empty_timeout_s=0.2, reconnect_grace_s=0.2)
    rooms = LiveRooms(settings, RouterOptions(), notifier, counters=MediaCounters())
    seen: list[LiveRoomEvent] = []

    def watch(event: RoomOpened) -> None:
        seen.append(event)
        event.room.observer.on(LiveRoomEvent, seen.append)

    rooms.observer.on(RoomOpened, watch)
    yield World(rooms, notifier, seen)
    await rooms.close()


def kinds(seen: list[LiveRoomEvent]) -> list[str]:
    return [type(e).__name__ for e in seen]


async def test_joining_tells_the_others_and_emits_one_event_per_join(world: World) -> None:
    room = await world.room()
    a, resumed = await room.join(subject="s-a", name="甲", role="mediator")
    assert not resumed
    b, _ = await room.join(subject="s-b", name="乙", role="party")
    again, resumed = await room.join(subject="s-b", name="乙", role="party")  # a reload
    assert resumed and again is b and len(room.participants) == 2
    joined = [e for e in world.seen if isinstance(e, ParticipantJoined)]
    assert [(e.participant.id, e.resumed) for e in joined] == [
        (a.id, False),
        (b.id, False),
        (b.id, True),
    ]
    # the others hear of a newcomer once, never of a reload; never of themselves
    told = [(to, p["id"]) for to, event, p in world.notifier.sent if event == "participant-joined"]
    assert told == [(f"room:r1-{a.id}", a.id), (f"room:r1-{b.id}", b.id)]
    assert kinds(world.seen)[0] == "RoomOpened"


async def test_leaving_and_removal(world: World) -> None:
    room = await world.room()
    await room.join(subject="s-a", name="甲", role="mediator")
    b, _ = await room.join(subject="s-b", name="乙", role="party")
    await room.leave(b.id, LeaveReason.REMOVED)
    left = [e for e in world.seen if isinstance(e, ParticipantLeft)]
    assert [(e.participant.id, e.reason) for e in left] == [(b.id, LeaveReason.REMOVED)]
    assert world.notifier.events("participant-left") == [
        {"participantId": b.id, "reason": "removed"}
    ]
    with pytest.raises(RoomError) as refused:
        await room.join(subject="s-b", name="乙", role="party")
    assert refused.value.code == "removed" and refused.value.status == 409


async def test_a_revoked_invitation_is_removed_on_the_wire(world: World) -> None:
    room = await world.room()
    await room.join(subject="s-a", name="甲", role="mediator")
    b, _ = await room.join(subject="inv-1", name="乙", role="party")
    await room.leave(b.id, LeaveReason.INVITATION_REVOKED)
    assert world.notifier.events("participant-left")[-1]["reason"] == "removed"
    assert "inv-1" in room.removed_subjects


async def test_consent_is_recorded_once(world: World) -> None:
    room = await world.room()
    a, _ = await room.join(subject="s-a", name="甲", role="mediator")
    b, _ = await room.join(subject="s-b", name="乙", role="party")
    first = await room.record_consent(b, method=ConsentMethod.VERBAL, recorded_by=a.id)
    second = await room.record_consent(b, method=ConsentMethod.PAGE)
    assert second is first and first.recorded_by == a.id
    assert first.notice_sha256 == world.rooms.settings.notice_sha256
    given = [e for e in world.seen if isinstance(e, ConsentGiven)]
    assert len(given) == 1 and given[0].consent is first
    assert world.notifier.events("consent") == [first.as_dict()]
    assert first.as_dict()["method"] == "verbal"
    assert room.has_consented("s-b") and not room.has_consented("s-a")
    assert room.missing_consent(lambda p: p.role == "party") == []


async def test_a_dropped_participant_leaves_after_the_grace(world: World) -> None:
    room = await world.room()
    a, _ = await room.join(subject="s-a", name="甲", role="party")
    left = asyncio.Event()
    room.observer.on(ParticipantLeft, lambda e: left.set())
    room.disconnected(a.id)
    assert room.get(a.id) is not None and not a.connected
    await asyncio.wait_for(left.wait(), 5)
    assert [e.reason for e in world.seen if isinstance(e, ParticipantLeft)] == [
        LeaveReason.DISCONNECTED
    ]


async def test_an_empty_room_closes_itself_media_still_there_while_closing(
    world: World,
) -> None:
    room = await world.room()
    a, _ = await room.join(subject="s-a", name="甲", role="party")
    router_open_while_closing: list[bool] = []
    closed = asyncio.Event()
    room.observer.on(
        RoomClosing, lambda e: router_open_while_closing.append(not e.room.router.closed)
    )
    room.observer.on(RoomClosed, lambda e: closed.set())
    await room.leave(a.id)
    await asyncio.wait_for(closed.wait(), 5)
    assert router_open_while_closing == [True] and room.router.closed
    closing = [e for e in world.seen if isinstance(e, RoomClosing | RoomClosed)]
    assert [(type(e).__name__, e.reason) for e in closing] == [
        ("RoomClosing", CloseReason.EMPTY),
        ("RoomClosed", CloseReason.EMPTY),
    ]
    assert world.rooms.get("r1") is None
    with pytest.raises(RoomError) as refused:
        await room.join(subject="s-a", name="甲", role="party")
    assert refused.value.code == "room_ended"


async def test_closing_runs_once_and_a_failing_listener_breaks_nothing(world: World) -> None:
    room = await world.room()
    await room.join(subject="s-a", name="甲", role="party")

    def broken(event: RoomClosing) -> None:
        raise RuntimeError("a bad listener")

    room.observer.on(RoomClosing, broken)
    await asyncio.gather(
        room.close(CloseReason.ENDED, by="m1"), room.close(CloseReason.ENDED, by="m1")
    )
    await room.close()
    closed = [e for e in world.seen if isinstance(e, RoomClosed)]
    assert len(closed) == 1 and closed[0].by == "m1" and room.router.closed
    # reopening the stored room gives a new live room
    reopened = await world.room()
    assert reopened is not room and not reopened.closed


async def test_producers_come_and_go_as_events(world: World) -> None:
    room = await world.room()
    a, _ = await room.join(subject="s-a", name="甲", role="party")
    b, _ = await room.join(subject="s-b", name="乙", role="mediator")
    pc = publisher_pc([PacketTrack("audio", encoded_opus())])
    try:
        await pc.setLocalDescription(await pc.createOffer())
        answer, producers = await room.publish(a, pc.localDescription.sdp, None)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        assert len(producers) == 1
        await room.observer.drain()
        added = [e for e in world.seen if isinstance(e, ProducerAdded)]
        assert [e.producer.id for e in added] == [producers[0].id]
        assert producers[0].app_data["source"] == "mic"
        assert producers[0].id in b.consumers  # the other participant consumes it at once
        assert world.notifier.events("producer-added")[0]["source"] == "mic"
        # a subscribe offer is asked of the other participant, not of the publisher
        await asyncio.sleep(0)
        renegotiate = [to for to, event, _ in world.notifier.sent if event == "renegotiate"]
        assert renegotiate == [b.id]
        await room.leave(a.id)
        await room.observer.drain()
        removed = [e for e in world.seen if isinstance(e, ProducerRemoved)]
        assert [(e.producer_id, e.participant_id) for e in removed] == [(producers[0].id, a.id)]
    finally:
        await pc.close()
