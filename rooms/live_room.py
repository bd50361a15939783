"""Live rooms on this node: participants bound to a media Router.

One of the live modules of rooms/ (with live_events, admission, live_actions):
the only ones that touch media/. A LiveRoom knows participants by id, speaks to
them through a Notifier (signaling implements it; tests use a fake) and tells
whoever listens what happened through typed events on its `observer`
(rooms.live_events); it never touches sockets itself.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from media.consumer import Consumer
from media.counters import MediaCounters
from media.peer_transport import PeerTransport
from media.producer import Producer
from media.router import Router
from media.transport import RouterOptions
from rooms.errors import HubError, RoomEnded
from rooms.live_camera_tiles import CameraTile, CameraTiles, owner_of, producer_info
from rooms.live_events import (
    CloseReason,
    ConsentGiven,
    ConsentMethod,
    LeaveReason,
    LiveRoomEvent,
    ParticipantDropped,
    ParticipantJoined,
    ParticipantLeft,
    ProducerAdded,
    ProducerRemoved,
    RoomClosed,
    RoomClosing,
    RoomOpened,
    Source,
)
from rooms.observer import Observer
from rooms.settings import RoomsSettings

logger = logging.getLogger(__name__)

# Open producers per participant and source (what a page publishes: one camera,
# one microphone, one screen share with its sound). Offers beyond this are
# refused whole (too_many_producers) before anything is applied.
PRODUCER_LIMITS: dict[str, int] = {"camera": 1, "mic": 1, "screen": 1, "screen-audio": 1}


def producer_slot(kind: str, source: str | None) -> str:
    """Which PRODUCER_LIMITS entry a producer of `kind` published as `source` uses."""
    if source == "screen":
        return "screen" if kind == "video" else "screen-audio"
    return "camera" if kind == "video" else "mic"


class Notifier(Protocol):
    """How a LiveRoom talks to participants (signaling implements this)."""

    def to_participant(self, participant_id: str, event: str, payload: dict[str, Any]) -> None: ...

    def to_room(
        self, room_id: str, event: str, payload: dict[str, Any], *, skip: str | None = None
    ) -> None: ...

    async def dismiss(
        self, room_id: str, participant_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        """Tell one participant `event` and close its connection (it stays in the
        live room: the caller makes it leave, or closes the room)."""
        ...


class RoomError(HubError):
    """The live room refuses (ended, the subject was removed)."""

    status = 409


@dataclass(frozen=True)
class RoomFacts:
    """What a live room knows of its stored room (rooms.models.Room)."""

    id: str
    name: str
    case_id: str | None = None
    organisation_id: str | None = None
    recording_required: bool = False  # the organisation's policy, at the last admission


@dataclass(frozen=True)
class Consent:
    """A participant accepted the recording notice (on the page, or verbally as
    recorded by the mediator). Goes into the evidence manifest."""

    participant_id: str
    subject: str
    name: str
    role: str
    method: ConsentMethod
    notice_sha256: str
    at: str  # ISO 8601, UTC
    recorded_by: str | None = None  # participant id of the mediator, for "verbal"

    def as_dict(self) -> dict[str, Any]:
        return {
            "participantId": self.participant_id,
            "subject": self.subject,
            "name": self.name,
            "role": self.role,
            "method": str(self.method),
            "noticeSha256": self.notice_sha256,
            "at": self.at,
            "recordedBy": self.recorded_by,
        }


@dataclass
class LiveParticipant:
    id: str
    subject: str
    name: str
    role: str
    transport: PeerTransport
    connected: bool = True
    grace: asyncio.TimerHandle | None = None
    hand_raised: bool = False  # asks the mediator for the floor
    consumers: dict[str, Consumer] = field(default_factory=dict)  # producer id -> consumer

    @property
    def producers(self) -> list[Producer]:
        return self.transport.producers


def participant_info(p: LiveParticipant) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "role": p.role,
        "hand": p.hand_raised,
        "producers": [producer_info(x) for x in p.producers],
    }


class LiveRoom(CameraTiles):
    """Participants of one stored room bound to a Router on this node. Created by
    LiveRooms.open(); emits rooms.live_events on `observer`."""

    def __init__(
        self,
        facts: RoomFacts,
        router: Router,
        notifier: Notifier,
        settings: RoomsSettings,
        *,
        on_close: Callable[[LiveRoom], None],
    ) -> None:
        self.facts = facts
        self.router = router
        self.closed = False
        self.started_at = time.time()  # the session timer's zero
        self.observer: Observer[LiveRoomEvent] = Observer()
        self.removed_subjects: set[str] = set()
        self.consents: dict[str, Consent] = {}  # participant id -> consent
        self._notifier = notifier
        self._settings = settings
        self._empty_timer: asyncio.TimerHandle | None = None
        self._participants: dict[str, LiveParticipant] = {}
        self._by_subject: dict[str, str] = {}
        self._on_close = on_close
        self._renegotiate_pending: set[str] = set()
        self.cameras: dict[str, CameraTile] = {}  # tile id -> camera tile
        self._tasks: set[asyncio.Future[None]] = set()
        self._closing: asyncio.Future[None] | None = None
        router.observer.on("newproducer", self._on_new_producer)

    @property
    def id(self) -> str:
        return self.facts.id

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def notifier(self) -> Notifier:
        return self._notifier

    @property
    def recording_required(self) -> bool:
        return self.facts.recording_required

    @property
    def participants(self) -> list[LiveParticipant]:
        return list(self._participants.values())

    def get(self, participant_id: str) -> LiveParticipant | None:
        return self._participants.get(participant_id)

    def by_subject(self, subject: str) -> LiveParticipant | None:
        pid = self._by_subject.get(subject)
        return None if pid is None else self._participants.get(pid)

    def has_consented(self, subject: str) -> bool:
        """Has the participant seated for `subject` consented to recording?"""
        participant = self.by_subject(subject)
        return participant is not None and participant.id in self.consents

    # -- joining and leaving --------------------------------------------------------
    async def join(
        self, *, subject: str, name: str, role: str, participant_id: str | None = None
    ) -> tuple[LiveParticipant, bool]:
        """Add a participant, or take over the one with the same subject (a
        reconnect): its old transport closes, it keeps its id. Returns
        (participant, resumed)."""
        if self.closed:
            raise RoomError("room_ended", RoomEnded().message)
        if subject in self.removed_subjects:
            raise RoomError("removed", "您已被移出调解室 / you were removed from this room")
        if self._empty_timer is not None:
            self._empty_timer.cancel()
            self._empty_timer = None
        existing = self.by_subject(subject)
        if existing is not None:
            if existing.grace is not None:
                existing.grace.cancel()
                existing.grace = None
            old = existing.transport
            existing.consumers.clear()
            existing.transport = self._new_transport(existing.id)
            existing.connected = True
            existing.name = name
            await old.close()
            self._subscribe_to_all(existing)
            await self.observer.emit(ParticipantJoined(self, existing, resumed=True))
            return existing, True
        pid = participant_id or uuid.uuid4().hex
        participant = LiveParticipant(
            id=pid, subject=subject, name=name, role=role, transport=self._new_transport(pid)
        )
        self._participants[pid] = participant
        self._by_subject[subject] = pid
        self._subscribe_to_all(participant)
        self._notifier.to_room(
            self.id, "participant-joined", participant_info(participant), skip=pid
        )
        await self.observer.emit(ParticipantJoined(self, participant, resumed=False))
        return participant, False

    def _new_transport(self, participant_id: str) -> PeerTransport:
        transport = self.router.create_peer_transport(app_data={"participant": participant_id})
        transport.observer.on("negotiationneeded", lambda: self._renegotiate(participant_id))
        transport.events.on(
            "connecttimeout", lambda pending: self._abandoned(participant_id, transport)
        )
        return transport

    def _abandoned(self, participant_id: str, transport: PeerTransport) -> None:
        """The participant's connection never came up: it leaves as disconnected."""
        participant = self._participants.get(participant_id)
        if participant is not None and participant.transport is transport:
            logger.info("room %s: %s never connected its media", self.id, participant_id[:8])
            task = asyncio.ensure_future(self.leave(participant_id, LeaveReason.DISCONNECTED))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _subscribe_to_all(self, participant: LiveParticipant) -> None:
        for producer in self.router.producers:
            if producer.app_data.get("participant") != participant.id:
                self._consume(participant, producer)

    def _consume(self, participant: LiveParticipant, producer: Producer) -> None:
        if participant.transport.closed or producer.closed:
            return
        if producer.id in participant.consumers or not self.may_see(participant, producer):
            return
        consumer = participant.transport.consume(
            producer,
            app_data={"participant": participant.id, "owner": owner_of(producer)},
        )
        participant.consumers[producer.id] = consumer
        consumer.observer.on("close", lambda: participant.consumers.pop(producer.id, None))

    def _renegotiate(self, participant_id: str) -> None:
        """Tell a participant to pull a new subscribe offer (once per loop turn)."""
        if participant_id in self._renegotiate_pending:
            return
        self._renegotiate_pending.add(participant_id)

        def send() -> None:
            self._renegotiate_pending.discard(participant_id)
            participant = self._participants.get(participant_id)
            if participant is not None and participant.transport.needs_subscribe_offer:
                self._notifier.to_participant(participant_id, "renegotiate", {})

        asyncio.get_running_loop().call_soon(send)

    def disconnected(self, participant_id: str) -> None:
        """The participant's socket dropped: keep it for the grace period."""
        participant = self._participants.get(participant_id)
        if participant is None or participant.grace is not None:
            return
        participant.connected = False
        participant.grace = asyncio.get_running_loop().call_later(
            self._settings.reconnect_grace_s,
            lambda: asyncio.ensure_future(self.leave(participant_id, LeaveReason.DISCONNECTED)),
        )
        self.observer.emit_soon(ParticipantDropped(self, participant))

    async def leave(self, participant_id: str, reason: LeaveReason = LeaveReason.LEFT) -> None:
        participant = self._participants.pop(participant_id, None)
        if participant is None:
            return
        if self._by_subject.get(participant.subject) == participant_id:
            del self._by_subject[participant.subject]
        if participant.grace is not None:
            participant.grace.cancel()
        if reason in (LeaveReason.REMOVED, LeaveReason.INVITATION_REVOKED):
            self.removed_subjects.add(participant.subject)
        await participant.transport.close()
        # the others hear "removed" for a revoked invitation too (as before)
        wire = LeaveReason.REMOVED if reason == LeaveReason.INVITATION_REVOKED else reason
        self._notifier.to_room(
            self.id, "participant-left", {"participantId": participant_id, "reason": str(wire)}
        )
        await self.observer.emit(ParticipantLeft(self, participant, reason))
        if not self._participants and not self.closed:
            # LiveKit's departure timeout: an empty room lingers briefly, then closes
            self._empty_timer = asyncio.get_running_loop().call_later(
                self._settings.empty_timeout_s,
                lambda: asyncio.ensure_future(self.close(CloseReason.EMPTY)),
            )

    # -- consent ------------------------------------------------------------------------
    async def record_consent(
        self,
        participant: LiveParticipant,
        *,
        method: ConsentMethod,
        recorded_by: str | None = None,
    ) -> Consent:
        """The participant consented to recording (once: a second call returns the first)."""
        known = self.consents.get(participant.id)
        if known is not None:
            return known
        consent = Consent(
            participant_id=participant.id,
            subject=participant.subject,
            name=participant.name,
            role=participant.role,
            method=method,
            notice_sha256=self._settings.notice_sha256,
            at=datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            recorded_by=recorded_by,
        )
        self.consents[participant.id] = consent
        self._notifier.to_room(self.id, "consent", consent.as_dict())
        await self.observer.emit(ConsentGiven(self, consent))
        return consent

    def missing_consent(self, invitee: Callable[[LiveParticipant], bool]) -> list[LiveParticipant]:
        """Participants present now for whom `invitee` holds who have not consented."""
        return [p for p in self._participants.values() if invitee(p) and p.id not in self.consents]

    # -- media ------------------------------------------------------------------------
    async def publish(
        self, participant: LiveParticipant, sdp: str, source: Source | None
    ) -> tuple[str, list[Producer]]:
        self._check_producer_limits(participant, sdp, source)
        before = {p.id for p in participant.producers}
        answer = await participant.transport.publish(
            sdp, app_data={"participant": participant.id, "source": source}
        )
        new = [p for p in participant.producers if p.id not in before]
        return answer, new

    def _check_producer_limits(
        self, participant: LiveParticipant, sdp: str, source: str | None
    ) -> None:
        wanted: dict[str, int] = {}
        for producer in participant.producers:
            slot = producer_slot(producer.kind, producer.app_data.get("source"))
            wanted[slot] = wanted.get(slot, 0) + 1
        for kind in participant.transport.new_sending_kinds(sdp):
            slot = producer_slot(kind, source)
            wanted[slot] = wanted.get(slot, 0) + 1
        over = [slot for slot, n in wanted.items() if n > PRODUCER_LIMITS.get(slot, 0)]
        if over:
            raise RoomError(
                "too_many_producers",
                "每位参与者最多发布 1 路摄像头、1 路麦克风和 1 路屏幕共享"
                f" / at most one camera, one microphone and one screen share each ({over[0]})",
            )

    def _on_new_producer(self, producer: Producer) -> None:
        owner = owner_of(producer)
        source = producer.app_data.get("source")
        if source is None or (producer.kind == "audio" and source == Source.CAMERA):
            producer.app_data["source"] = Source.MIC if producer.kind == "audio" else Source.CAMERA
        for participant in self._participants.values():
            if participant.id != owner:
                self._consume(participant, producer)
        if producer.app_data.get("tile") is not None:  # a camera: only to those who see it
            self._to_viewers(producer.app_data["tile"], "producer-added", producer_info(producer))
            self.observer.emit_soon(ProducerAdded(self, producer))

            def camera_removed() -> None:
                self._to_viewers(
                    producer.app_data["tile"],
                    "producer-removed",
                    {"producerId": producer.id, "participantId": owner},
                    gone_too=True,
                )
                self.observer.emit_soon(ProducerRemoved(self, producer.id, owner))

            producer.observer.on("close", camera_removed)
            return
        self._notifier.to_room(self.id, "producer-added", producer_info(producer))
        self.observer.emit_soon(ProducerAdded(self, producer))

        def removed() -> None:
            self._notifier.to_room(
                self.id, "producer-removed", {"producerId": producer.id, "participantId": owner}
            )
            self.observer.emit_soon(ProducerRemoved(self, producer.id, owner))

        producer.observer.on("close", removed)

    async def subscribe(
        self, participant: LiveParticipant
    ) -> tuple[str | None, list[dict[str, Any]]]:
        offer = await participant.transport.subscribe_offer()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "subscribe %s (%s): offer=%s consumers=%s",
                participant.id[:8],
                participant.name,
                offer is not None,
                [(c.id[:8], c.producer_id[:8], c.kind) for c in participant.consumers.values()],
            )
        consumers = [
            {
                "id": c.id,
                "producerId": c.producer_id,
                "participantId": c.app_data.get("owner"),
                "kind": c.kind,
                "mid": participant.transport.consumer_mid(c.id),
            }
            for c in participant.consumers.values()
            if not c.closed
        ]
        return offer, consumers

    async def subscribe_answer(self, participant: LiveParticipant, sdp: str) -> None:
        await participant.transport.subscribe_answer(sdp)
        if participant.transport.needs_subscribe_offer:
            self._renegotiate(participant.id)

    def set_preferred_layer(
        self, participant: LiveParticipant, target_id: str, layer: int | None
    ) -> Consumer:
        """The participant wants simulcast layer `layer` (None: the highest) of what
        it receives as `target_id` (a consumer id or the producer's id): small
        tiles take a low one. Only its own consumers."""
        consumer = participant.consumers.get(target_id) or next(
            (c for c in participant.consumers.values() if c.id == target_id), None
        )
        if consumer is None or consumer.closed:
            raise RoomError("not_found", "找不到该媒体 / no such media")
        consumer.set_preferred_layer(layer)
        return consumer

    def find_producer(self, producer_id: str) -> Producer | None:
        return self.router.get_producer(producer_id)

    def set_paused(self, producer: Producer, paused: bool, by: str) -> None:
        if paused == producer.paused:
            return
        producer.app_data["paused_by"] = by  # the recorder notes who paused it
        producer.pause() if paused else producer.resume()
        self._notifier.to_room(
            self.id,
            "producer-paused" if paused else "producer-resumed",
            {
                "producerId": producer.id,
                "participantId": producer.app_data.get("participant"),
                "by": by,
            },
        )

    # -- closing ----------------------------------------------------------------------
    async def close(
        self, reason: CloseReason = CloseReason.ENDED, *, by: str | None = None
    ) -> None:
        """Close once: RoomClosing (awaited; the media still exist), the Router,
        RoomClosed. A second call waits for the first to finish."""
        if self._closing is not None:
            await asyncio.shield(self._closing)
            return
        self._closing = asyncio.get_running_loop().create_future()
        try:
            self.closed = True
            if self._empty_timer is not None:
                self._empty_timer.cancel()
            for participant in self._participants.values():
                if participant.grace is not None:
                    participant.grace.cancel()
            await self.observer.emit(RoomClosing(self, reason, by))
            self._participants.clear()
            self._by_subject.clear()
            await self.router.close()
            self._on_close(self)
            await self.observer.emit(RoomClosed(self, reason, by))
            await self.observer.drain()
            self.observer.clear()
        finally:
            self._closing.set_result(None)


class LiveRooms:
    """This node's live rooms, keyed by stored room id. Emits RoomOpened on `observer`."""

    def __init__(
        self,
        settings: RoomsSettings,
        router_options: RouterOptions,
        notifier: Notifier,
        *,
        counters: MediaCounters,
    ) -> None:
        self.settings = settings
        self.options = router_options
        self.notifier = notifier
        self.counters = counters
        self.observer: Observer[LiveRoomEvent] = Observer()
        self._rooms: dict[str, LiveRoom] = {}

    @property
    def room_count(self) -> int:
        return len(self._rooms)

    @property
    def participant_count(self) -> int:
        return sum(len(r.participants) for r in self._rooms.values())

    @property
    def rooms(self) -> list[LiveRoom]:
        return list(self._rooms.values())

    def get(self, room_id: str) -> LiveRoom | None:
        room = self._rooms.get(room_id)
        return None if room is None or room.closed else room

    async def open(self, facts: RoomFacts) -> LiveRoom:
        """The live room of a stored room, opened if it isn't (RoomOpened's
        listeners have run when this returns: they see every later event)."""
        room = self._rooms.get(facts.id)
        if room is not None and not room.closed:
            room.facts = facts  # the policy may have changed since it opened
            return room
        router = Router(self.options, counters=self.counters, app_data={"room": facts.id})
        room = LiveRoom(facts, router, self.notifier, self.settings, on_close=self._forget)
        self._rooms[facts.id] = room
        await self.observer.emit(RoomOpened(room))
        return room

    def _forget(self, room: LiveRoom) -> None:
        if self._rooms.get(room.id) is room:
            del self._rooms[room.id]

    async def close(self) -> None:
        for room in list(self._rooms.values()):
            await room.close(CloseReason.SHUTDOWN)
        self._rooms.clear()
        await self.observer.drain()


__all__ = [
    "CameraTile",
    "Consent",
    "LiveParticipant",
    "LiveRoom",
    "LiveRooms",
    "Notifier",
    "RoomError",
    "RoomFacts",
    "owner_of",
    "participant_info",
    "producer_info",
]
