"""socket.io events of the waiting room (docs/protocol.md, "Waiting room"): a party
whose room has a lobby is held there by `join` (the ack says `waiting: true`) until
a mediator sends `admit` (the party is told `admitted` and joins again) or
`turn-away` (`turned-away`, then the socket closes). Mediators are told who comes
and goes (`waiting`, `waiting-left`) and get the list when they join.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from rooms import admission
from rooms.live_room import LiveParticipant
from rooms.lobby import Lobbies, WaitingEntry, do_record_admission
from rooms.models import Room
from rooms.tokens import AccessToken
from signaling.errors import fail
from signaling.keys import DATABASE, LIVE_ROOMS
from signaling.room_messages import (
    AdmitAnswer,
    RoomBrief,
    TurnAwayAnswer,
    WaitingAnswer,
    WaitingRequest,
)
from signaling.session_events import Events, moderates

if TYPE_CHECKING:
    from signaling.room_namespace import RoomNamespace
    from signaling.socket_session import SocketSession

logger = logging.getLogger(__name__)


class LobbyEvents:
    def __init__(self, namespace: RoomNamespace) -> None:
        self.ns = namespace
        self.lobbies = Lobbies()

    @property
    def app(self) -> web.Application:
        return self.ns.app

    def events(self) -> Events:
        """event -> (request model, handler), merged into RoomNamespace.events."""
        return {
            "admit": (WaitingRequest, self.admit),
            "turn-away": (WaitingRequest, self.turn_away),
        }

    async def must_wait(self, token: AccessToken) -> Room | None:
        """The stored room whose lobby this token waits in, if it must (rooms.admission)."""
        return await admission.must_wait(
            self.app[DATABASE], self.app[LIVE_ROOMS], self.lobbies, token
        )

    async def wait(self, session: SocketSession, stored: Room, token: AccessToken) -> WaitingAnswer:
        """Hold the socket in the lobby; mediators present are told."""
        lobby = self.lobbies.get(stored.id)
        entry = lobby.wait(subject=token.sub, name=token.name, role=token.role, sid=session.sid)
        session.waiting = stored.id
        self._tell_moderators(stored.id, "waiting", entry.as_dict())
        logger.info("room %s: %s waits in the lobby", stored.id, entry.id)
        return WaitingAnswer.model_validate(
            {
                "room": RoomBrief(id=stored.id, name=stored.name, state=stored.state),
                "self": {"name": token.name, "role": token.role},
                "waitingSince": entry.since,
            }
        )

    def extras(self, room_id: str, participant: LiveParticipant) -> dict[str, Any]:
        """A moderator's join answer lists who waits."""
        if not moderates(participant):
            return {}
        lobby = self.lobbies.find(room_id)
        return {"waiting": lobby.entries() if lobby else []}

    def _tell_moderators(self, room_id: str, event: str, payload: dict[str, Any]) -> None:
        room = self.app[LIVE_ROOMS].get(room_id)
        if room is None or room.closed:
            return
        for participant in room.participants:
            if moderates(participant):
                self.ns.to_participant(participant.id, event, payload)

    def _entry(self, session: SocketSession, data: WaitingRequest) -> tuple[Any, WaitingEntry]:
        room, participant = session.joined()
        if not moderates(participant):
            raise fail("forbidden", "只有调解员可以准许进入 / mediators only")
        lobby = self.lobbies.find(room.id)
        entry = lobby.waiting.get(data.waiting_id) if lobby else None
        if entry is None:
            raise fail("not_found", "此人已不在等候室 / nobody waits with this id")
        return (room, participant), entry

    async def admit(self, session: SocketSession, data: WaitingRequest) -> AdmitAnswer:
        (room, mediator), entry = self._entry(session, data)
        await self.app[DATABASE].run(
            lambda db: do_record_admission(db, room.id, entry, admitted=True, by=mediator.subject)
        )
        self.lobbies.get(room.id).admit(entry.id)
        await self.ns.emit("admitted", {"by": mediator.name}, to=entry.sid)
        self._tell_moderators(room.id, "waiting-left", {"id": entry.id, "reason": "admitted"})
        return AdmitAnswer(admitted=entry.as_dict())

    async def turn_away(self, session: SocketSession, data: WaitingRequest) -> TurnAwayAnswer:
        (room, mediator), entry = self._entry(session, data)
        await self.app[DATABASE].run(
            lambda db: do_record_admission(db, room.id, entry, admitted=False, by=mediator.subject)
        )
        self.lobbies.get(room.id).leave(entry.id)
        await self.ns.emit("turned-away", {"by": mediator.name}, to=entry.sid)
        self._tell_moderators(room.id, "waiting-left", {"id": entry.id, "reason": "turned-away"})
        waiting = self.ns.sessions.get(entry.sid)
        if waiting is not None:
            waiting.waiting = None
        await self.ns.disconnect(entry.sid)  # queued after the notice
        return TurnAwayAnswer(turned_away=entry.as_dict())

    def disconnected(self, session: SocketSession) -> None:
        """A waiting socket closed: it leaves the lobby (unless it moved to another)."""
        if session.waiting is None:
            return
        lobby = self.lobbies.find(session.waiting)
        entry = lobby.by_sid(session.sid) if lobby else None
        if lobby is not None and entry is not None:
            lobby.leave(entry.id)
            self._tell_moderators(
                session.waiting, "waiting-left", {"id": entry.id, "reason": "left"}
            )

    async def room_ended(self, room_id: str) -> None:
        """Everyone still waiting is told the room ended; their sockets close."""
        lobby = self.lobbies.forget(room_id)
        for entry in list(lobby.waiting.values()) if lobby else []:
            await self.ns.emit("room-ended", {"reason": "room-ended"}, to=entry.sid)
            await self.ns.disconnect(entry.sid)
