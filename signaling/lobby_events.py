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

from rooms import actions
from rooms.live_room import LiveParticipant
from rooms.lobby import Lobbies, WaitingEntry, do_record_admission, effective_waiting_room
from rooms.models import Invitation, Room
from rooms.tokens import ROOM_ROLES, AccessToken
from signaling.decoder import text
from signaling.errors import fail
from signaling.keys import CONFIG, DATABASE, LIVE_ROOMS
from signaling.session_events import Handler, moderates

if TYPE_CHECKING:
    from signaling.room_namespace import RoomNamespace, SocketSession

logger = logging.getLogger(__name__)


class LobbyEvents:
    def __init__(self, namespace: RoomNamespace) -> None:
        self.ns = namespace
        self.lobbies = Lobbies()

    @property
    def app(self) -> web.Application:
        return self.ns.app

    def handlers(self) -> dict[str, Handler]:
        return {"admit": self.admit, "turn-away": self.turn_away}

    async def must_wait(self, stored: Room, token: AccessToken, returning: bool) -> bool:
        """Is this a party (an invitee) of a case room whose organisation keeps a
        waiting room, not admitted yet (nor back after a reload or reconnect)?"""
        if token.role not in ROOM_ROLES or returning or not stored.case_id:
            return False
        lobby = self.lobbies.find(stored.id)
        if lobby is not None and token.sub in lobby.admitted:
            return False
        async with self.app[DATABASE].session() as db:
            if not await effective_waiting_room(
                db, stored.organisation_id, self.app[CONFIG].rooms.waiting_room
            ):
                return False
            await self._may_enter(db, token, stored)
        return True

    async def _may_enter(self, db: Any, token: AccessToken, stored: Room) -> None:
        """What admission would refuse, said before anyone waits for nothing."""
        if not token.inv:
            return
        invitation = await db.get(Invitation, token.inv)
        if invitation is None or invitation.room_id != stored.id:
            raise fail("token_invalid", "邀请无效 / invalid invitation")
        if invitation.revoked_at is not None:
            raise fail("invitation_revoked", "邀请已被撤销 / invitation revoked")
        if invitation.uses >= invitation.max_uses and not await actions.has_joined(
            db, stored.id, token.sub
        ):
            raise fail("invitation_used", "邀请已被使用 / invitation already used")

    async def wait(
        self, session: SocketSession, stored: Room, token: AccessToken
    ) -> dict[str, Any]:
        """Hold the socket in the lobby; mediators present are told."""
        lobby = self.lobbies.get(stored.id)
        entry = lobby.wait(subject=token.sub, name=token.name, role=token.role, sid=session.sid)
        session.waiting = stored.id
        self._tell_moderators(stored.id, "waiting", entry.as_dict())
        logger.info("room %s: %s waits in the lobby", stored.id, entry.id)
        return {
            "waiting": True,
            "room": {"id": stored.id, "name": stored.name, "state": stored.state},
            "self": {"name": token.name, "role": token.role},
            "waitingSince": entry.since,
        }

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

    def _entry(self, session: SocketSession, data: dict[str, Any]) -> tuple[Any, WaitingEntry]:
        room, participant = session.joined()
        if not moderates(participant):
            raise fail("forbidden", "只有调解员可以准许进入 / mediators only")
        lobby = self.lobbies.find(room.id)
        entry = lobby.waiting.get(text(data, "waitingId", max_len=64)) if lobby else None
        if entry is None:
            raise fail("not_found", "此人已不在等候室 / nobody waits with this id")
        return (room, participant), entry

    async def admit(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        (room, mediator), entry = self._entry(session, data)
        await self.app[DATABASE].run(
            lambda db: do_record_admission(db, room.id, entry, admitted=True, by=mediator.subject)
        )
        self.lobbies.get(room.id).admit(entry.id)
        await self.ns.emit("admitted", {"by": mediator.name}, to=entry.sid)
        self._tell_moderators(room.id, "waiting-left", {"id": entry.id, "reason": "admitted"})
        return {"admitted": entry.as_dict()}

    async def turn_away(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
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
        return {"turnedAway": entry.as_dict()}

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
