"""One socket.io connection: its verified token and, once joined, its live room and
seat (signaling.room_namespace and signaling.room_camera_events handle its events)."""

from __future__ import annotations

from dataclasses import dataclass

from rooms import policy
from rooms.live_room import LiveParticipant, LiveRoom
from rooms.tokens import AccessToken
from signaling.errors import fail


@dataclass
class SocketSession:
    sid: str
    token: AccessToken
    room: LiveRoom | None = None
    participant: LiveParticipant | None = None
    checked_at: float = 0.0  # loop time the login session was last found live
    waiting: str | None = None  # room id whose lobby this socket waits in

    def joined(self) -> tuple[LiveRoom, LiveParticipant]:
        if self.room is None or self.participant is None or self.room.closed:
            raise fail("not_joined")
        if self.room.get(self.participant.id) is not self.participant:
            raise fail("not_joined")
        return self.room, self.participant

    def may(self, action: str, message: str) -> tuple[LiveRoom, LiveParticipant]:
        """The room and participant, if its role may do `action` in the room."""
        room, participant = self.joined()
        if not policy.may_in_room(participant.role, action):
            raise fail("forbidden", message)
        return room, participant


__all__ = ["SocketSession"]
