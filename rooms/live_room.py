"""Live rooms on this node: participants bound to a media Router.

The only module in rooms/ that imports media/. A LiveRoom knows participants by
id and tells the outside world what happened through a Notifier (signaling
implements it); it never touches sockets itself.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
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
from rooms.tokens import ROOM_ROLES

logger = logging.getLogger(__name__)

# Why a participant left (sent to the others in participant-left).
LEFT = "left"
REMOVED = "removed"
DISCONNECTED = "disconnected"
ROOM_ENDED = "room-ended"


class Notifier(Protocol):
    """How a LiveRoom talks to participants (signaling implements this)."""

    def to_participant(self, participant_id: str, event: str, payload: dict[str, Any]) -> None: ...

    def to_room(
        self, room_id: str, event: str, payload: dict[str, Any], *, skip: str | None = None
    ) -> None: ...


class RoomError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Consent:
    """A participant accepted the recording notice (on the page, or verbally as
    recorded by the mediator). Goes into the evidence manifest."""

    participant_id: str
    subject: str
    name: str
    role: str
    method: str  # "page" | "verbal"
    notice_sha256: str
    at: str  # ISO 8601, UTC
    recorded_by: str | None = None  # participant id of the mediator, for "verbal"

    def as_dict(self) -> dict[str, Any]:
        return {
            "participantId": self.participant_id,
            "subject": self.subject,
            "name": self.name,
            "role": self.role,
            "method": self.method,
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
    consumers: dict[str, Consumer] = field(default_factory=dict)  # producer id -> consumer

    @property
    def producers(self) -> list[Producer]:
        return self.transport.producers


@dataclass
class CameraTile:
    """A camera in the room: shown like a participant ("监控 · name"); staff always
    see it, room roles (parties, guests, observers) only while it is `shared`.
    `feed` is the rooms.live_cameras.CameraFeed that carries it."""

    id: str  # "camera:<camera id>": the tile's participant-like id
    camera_id: str
    name: str
    shared: bool
    state: dict[str, Any]
    feed: Any


def owner_of(producer: Producer) -> Any:
    """Whose tile a producer belongs to: a participant id, or a camera tile id."""
    return producer.app_data.get("participant") or producer.app_data.get("tile")


def producer_info(producer: Producer) -> dict[str, Any]:
    return {
        "id": producer.id,
        "participantId": owner_of(producer),
        "kind": producer.kind,
        "source": producer.app_data.get("source", producer.kind),
        "paused": producer.paused,
        "codec": producer.codec.mime_type,
    }


def participant_info(p: LiveParticipant) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "role": p.role,
        "producers": [producer_info(x) for x in p.producers],
    }


class LiveRoom:
    def __init__(
        self,
        room_id: str,
        name: str,
        router: Router,
        notifier: Notifier,
        *,
        reconnect_grace_s: float,
        empty_timeout_s: float,
        on_close: Callable[[LiveRoom], None],
    ) -> None:
        self.id = room_id
        self.name = name
        self.router = router
        self.closed = False
        self.removed_subjects: set[str] = set()
        self.consents: dict[str, Consent] = {}  # participant id -> consent
        self._notifier = notifier
        self._grace_s = reconnect_grace_s
        self._empty_timeout_s = empty_timeout_s
        self._empty_timer: asyncio.TimerHandle | None = None
        self._participants: dict[str, LiveParticipant] = {}
        self._by_subject: dict[str, str] = {}
        self._on_close = on_close
        self._renegotiate_pending: set[str] = set()
        self.cameras: dict[str, CameraTile] = {}  # tile id -> camera tile
        router.observer.on("newproducer", self._on_new_producer)

    @property
    def participants(self) -> list[LiveParticipant]:
        return list(self._participants.values())

    def get(self, participant_id: str) -> LiveParticipant | None:
        return self._participants.get(participant_id)

    def by_subject(self, subject: str) -> LiveParticipant | None:
        pid = self._by_subject.get(subject)
        return None if pid is None else self._participants.get(pid)

    # -- joining and leaving --------------------------------------------------------
    async def join(
        self, *, subject: str, name: str, role: str, participant_id: str | None = None
    ) -> tuple[LiveParticipant, bool]:
        """Add a participant, or take over the one with the same subject (a
        reconnect): its old transport closes, it keeps its id. Returns
        (participant, resumed)."""
        if self.closed:
            raise RoomError("room_ended", "调解室已结束 / the room has ended")
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
        return participant, False

    def _new_transport(self, participant_id: str) -> PeerTransport:
        transport = self.router.create_peer_transport(app_data={"participant": participant_id})
        transport.observer.on("negotiationneeded", lambda: self._renegotiate(participant_id))
        return transport

    def _subscribe_to_all(self, participant: LiveParticipant) -> None:
        for producer in self.router.producers:
            if producer.app_data.get("participant") != participant.id:
                self._consume(participant, producer)

    def may_see(self, participant: LiveParticipant, producer: Producer) -> bool:
        """Staff see every producer; room roles see a camera only while it is shared."""
        tile_id = producer.app_data.get("tile")
        if tile_id is None:
            return True
        tile = self.cameras.get(tile_id)
        return tile is not None and (tile.shared or participant.role not in ROOM_ROLES)

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
            self._grace_s, lambda: asyncio.ensure_future(self.leave(participant_id, DISCONNECTED))
        )

    async def leave(self, participant_id: str, reason: str = LEFT) -> None:
        participant = self._participants.pop(participant_id, None)
        if participant is None:
            return
        if self._by_subject.get(participant.subject) == participant_id:
            del self._by_subject[participant.subject]
        if participant.grace is not None:
            participant.grace.cancel()
        if reason == REMOVED:
            self.removed_subjects.add(participant.subject)
        await participant.transport.close()
        self._notifier.to_room(
            self.id, "participant-left", {"participantId": participant_id, "reason": reason}
        )
        if not self._participants and not self.closed:
            # LiveKit's departure timeout: an empty room lingers briefly, then closes
            self._empty_timer = asyncio.get_running_loop().call_later(
                self._empty_timeout_s, lambda: asyncio.ensure_future(self.close())
            )

    # -- consent ------------------------------------------------------------------------
    def record_consent(
        self,
        participant: LiveParticipant,
        *,
        method: str,
        notice_sha256: str,
        recorded_by: str | None = None,
    ) -> Consent:
        consent = Consent(
            participant_id=participant.id,
            subject=participant.subject,
            name=participant.name,
            role=participant.role,
            method=method,
            notice_sha256=notice_sha256,
            at=datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            recorded_by=recorded_by,
        )
        self.consents[participant.id] = consent
        self._notifier.to_room(self.id, "consent", consent.as_dict())
        return consent

    def missing_consent(self, roles: tuple[str, ...]) -> list[LiveParticipant]:
        """Participants with one of `roles` present now who have not consented."""
        return [
            p for p in self._participants.values() if p.role in roles and p.id not in self.consents
        ]

    # -- media ------------------------------------------------------------------------
    async def publish(
        self, participant: LiveParticipant, sdp: str, source: str | None
    ) -> tuple[str, list[Producer]]:
        before = {p.id for p in participant.producers}
        answer = await participant.transport.publish(
            sdp, app_data={"participant": participant.id, "source": source}
        )
        new = [p for p in participant.producers if p.id not in before]
        return answer, new

    def _on_new_producer(self, producer: Producer) -> None:
        owner = owner_of(producer)
        if producer.app_data.get("source") is None:
            producer.app_data["source"] = "camera" if producer.kind == "video" else "mic"
        for participant in self._participants.values():
            if participant.id != owner:
                self._consume(participant, producer)
        if producer.app_data.get("tile") is not None:  # a camera: only to those who see it
            self._to_viewers(producer.app_data["tile"], "producer-added", producer_info(producer))
            producer.observer.on(
                "close",
                lambda: self._to_viewers(
                    producer.app_data["tile"],
                    "producer-removed",
                    {"producerId": producer.id, "participantId": owner},
                    gone_too=True,
                ),
            )
            return
        self._notifier.to_room(self.id, "producer-added", producer_info(producer))
        producer.observer.on(
            "close",
            lambda: self._notifier.to_room(
                self.id, "producer-removed", {"producerId": producer.id, "participantId": owner}
            ),
        )

    # -- cameras (rooms.live_cameras binds them; this keeps who sees what) ------------------
    def camera_info(self, tile: CameraTile) -> dict[str, Any]:
        producer = tile.feed.producer if tile.feed is not None else None
        return {
            "id": tile.id,
            "cameraId": tile.camera_id,
            "name": tile.name,
            "role": "camera",
            "shared": tile.shared,
            "state": tile.state,
            "producers": [producer_info(producer)] if producer and not producer.closed else [],
        }

    def visible_cameras(self, participant: LiveParticipant) -> list[dict[str, Any]]:
        return [
            self.camera_info(t)
            for t in self.cameras.values()
            if t.shared or participant.role not in ROOM_ROLES
        ]

    def _to_viewers(
        self, tile_id: str, event: str, payload: dict[str, Any], *, gone_too: bool = False
    ) -> None:
        """Tell everyone who sees camera tile `tile_id` (staff; room roles if shared)."""
        tile = self.cameras.get(tile_id)
        if tile is None and not gone_too:
            return
        shared = tile.shared if tile is not None else False
        for participant in self._participants.values():
            if shared or participant.role not in ROOM_ROLES:
                self._notifier.to_participant(participant.id, event, payload)

    def add_camera(
        self,
        tile_id: str,
        *,
        camera_id: str,
        name: str,
        shared: bool,
        state: dict[str, Any],
        feed: Any,
    ) -> CameraTile:
        tile = CameraTile(tile_id, camera_id, name, shared, state, feed)
        self.cameras[tile_id] = tile
        self._to_viewers(tile_id, "camera-added", self.camera_info(tile))
        return tile

    def remove_camera(self, tile_id: str) -> None:
        tile = self.cameras.get(tile_id)
        if tile is None:
            return
        self._to_viewers(tile_id, "camera-removed", {"id": tile_id, "cameraId": tile.camera_id})
        del self.cameras[tile_id]

    def camera_state(self, tile_id: str, state: dict[str, Any]) -> None:
        tile = self.cameras.get(tile_id)
        if tile is not None:
            tile.state = state
            self._to_viewers(
                tile_id, "camera-state", {"id": tile_id, "cameraId": tile.camera_id, **state}
            )

    def set_camera_shared(self, tile_id: str, shared: bool) -> None:
        """Show a camera to the room roles too, or stop: their consumers open or close."""
        tile = self.cameras.get(tile_id)
        if tile is None or tile.shared == shared:
            return
        producer = tile.feed.producer if tile.feed is not None else None
        if not shared:
            # tell them while they still count as viewers, then take it away
            for participant in self._participants.values():
                if participant.role in ROOM_ROLES:
                    self._notifier.to_participant(
                        participant.id,
                        "camera-removed",
                        {"id": tile_id, "cameraId": tile.camera_id},
                    )
        tile.shared = shared
        for participant in self._participants.values():
            if participant.role not in ROOM_ROLES:
                self._notifier.to_participant(
                    participant.id, "camera-shared", {"id": tile_id, "shared": shared}
                )
                continue
            if shared:
                self._notifier.to_participant(
                    participant.id, "camera-added", self.camera_info(tile)
                )
                if producer is not None:
                    self._consume(participant, producer)
            elif producer is not None:
                consumer = participant.consumers.get(producer.id)
                if consumer is not None:
                    consumer.close()

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

    def find_producer(self, producer_id: str) -> Producer | None:
        return self.router.get_producer(producer_id)

    def set_paused(self, producer: Producer, paused: bool, by: str) -> None:
        if paused == producer.paused:
            return
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
    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._empty_timer is not None:
            self._empty_timer.cancel()
        for participant in self._participants.values():
            if participant.grace is not None:
                participant.grace.cancel()
        self._participants.clear()
        self._by_subject.clear()
        await self.router.close()
        self._on_close(self)


class LiveRooms:
    """This node's live rooms, keyed by stored room id."""

    def __init__(self, media_config: Any, *, counters: MediaCounters) -> None:
        self.options = RouterOptions(
            ice_servers=list(getattr(media_config, "ice_servers", [])),
            consumer_queue_frames=int(getattr(media_config, "consumer_queue_frames", 64)),
            keyframe_interval_s=float(getattr(media_config, "keyframe_interval_s", 0.5)),
        )
        self.counters = counters
        self._rooms: dict[str, LiveRoom] = {}

    @property
    def room_count(self) -> int:
        return len(self._rooms)

    @property
    def participant_count(self) -> int:
        return sum(len(r.participants) for r in self._rooms.values())

    def get(self, room_id: str) -> LiveRoom | None:
        return self._rooms.get(room_id)

    @property
    def rooms(self) -> list[LiveRoom]:
        return list(self._rooms.values())

    def open(
        self,
        room_id: str,
        name: str,
        notifier: Notifier,
        *,
        reconnect_grace_s: float,
        empty_timeout_s: float,
    ) -> LiveRoom:
        room = self._rooms.get(room_id)
        if room is None or room.closed:
            router = Router(self.options, counters=self.counters, app_data={"room": room_id})
            room = LiveRoom(
                room_id,
                name,
                router,
                notifier,
                reconnect_grace_s=reconnect_grace_s,
                empty_timeout_s=empty_timeout_s,
                on_close=self._forget,
            )
            self._rooms[room_id] = room
        return room

    def _forget(self, room: LiveRoom) -> None:
        if self._rooms.get(room.id) is room:
            del self._rooms[room.id]

    async def close(self) -> None:
        for room in list(self._rooms.values()):
            await room.close()
        self._rooms.clear()


__all__ = [
    "DISCONNECTED",
    "LEFT",
    "REMOVED",
    "ROOM_ENDED",
    "CameraTile",
    "LiveParticipant",
    "LiveRoom",
    "LiveRooms",
    "Notifier",
    "RoomError",
    "owner_of",
    "participant_info",
    "producer_info",
]
