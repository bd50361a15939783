"""What happens in a live room, as typed events, and the reasons it happens.

A LiveRoom emits these on its `observer` (rooms.observer.Observer); LiveRooms
emits RoomOpened on its own. Listeners (recorder.control, the command center,
metrics) subscribe by class:

    live_rooms.observer.on(RoomOpened, lambda e: e.room.observer.on(ConsentGiven, ...))

RoomClosing is awaited before the room's Router closes: a listener may still use
the media (the recorder seals its recording there). The string enums keep the
values the wire and the audit log carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from media.producer import Producer
    from rooms.live_room import Consent, LiveParticipant, LiveRoom


class LeaveReason(StrEnum):
    """Why a participant left (participant-left's `reason`; participant.leave's audit)."""

    LEFT = "left"  # it said so (the leave button)
    REMOVED = "removed"  # a moderator removed it
    DISCONNECTED = "disconnected"  # its socket stayed away past the reconnect grace
    ROOM_ENDED = "room-ended"  # the room ended around it
    INVITATION_REVOKED = "invitation_revoked"  # its invitation was revoked


class CloseReason(StrEnum):
    """Why a live room closed (LiveKit's close reasons)."""

    ENDED = "room-ended"  # a mediator (or REST) ended the room
    EMPTY = "empty"  # nobody came back within the empty timeout
    SHUTDOWN = "shutdown"  # this node is stopping


class ConsentMethod(StrEnum):
    PAGE = "page"  # the party ticked the notice on its page
    VERBAL = "verbal"  # the mediator recorded a spoken consent


class Source(StrEnum):
    """What a producer carries (the publish request's `source`)."""

    CAMERA = "camera"
    MIC = "mic"
    SCREEN = "screen"


@dataclass(frozen=True)
class LiveRoomEvent:
    room: LiveRoom


@dataclass(frozen=True)
class RoomOpened(LiveRoomEvent):
    """A live room opened on this node (emitted by LiveRooms)."""


@dataclass(frozen=True)
class ParticipantJoined(LiveRoomEvent):
    participant: LiveParticipant
    resumed: bool  # the same subject came back (reload, reconnect, another device)


@dataclass(frozen=True)
class ParticipantDropped(LiveRoomEvent):
    """Its socket went; the reconnect grace runs (ParticipantJoined(resumed) if it
    comes back, ParticipantLeft(DISCONNECTED) if not). Monitoring listens."""

    participant: LiveParticipant


@dataclass(frozen=True)
class ParticipantLeft(LiveRoomEvent):
    participant: LiveParticipant
    reason: LeaveReason


@dataclass(frozen=True)
class ConsentGiven(LiveRoomEvent):
    consent: Consent


@dataclass(frozen=True)
class ProducerAdded(LiveRoomEvent):
    producer: Producer


@dataclass(frozen=True)
class ProducerRemoved(LiveRoomEvent):
    producer_id: str
    participant_id: str | None


@dataclass(frozen=True)
class RoomClosing(LiveRoomEvent):
    """Awaited before the Router closes: the last moment the room's media exist."""

    reason: CloseReason
    by: str | None = None  # who ended it (a subject), None for the system


@dataclass(frozen=True)
class RoomClosed(LiveRoomEvent):
    reason: CloseReason
    by: str | None = None


__all__ = [
    "CloseReason",
    "ConsentGiven",
    "ConsentMethod",
    "LeaveReason",
    "LiveRoomEvent",
    "ParticipantDropped",
    "ParticipantJoined",
    "ParticipantLeft",
    "ProducerAdded",
    "ProducerRemoved",
    "RoomClosed",
    "RoomClosing",
    "RoomOpened",
    "Source",
]
