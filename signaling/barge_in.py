"""Barge-in (远程指挥): the command center talks into a room. An operator joins the
room with `bargeIn: true` (allowed for those with room.barge on the room's subtree)
and publishes a microphone; while it is live everyone in the room hears it and sees
`command-speaking {active: true, name}` (the room page shows 指挥中心正在讲话), and
the start and the end are audited. The operator is a participant like any other, so
the room's consent and recording rules apply to it as to anyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from command_center.oversight import do_start_barge_in, do_stop_barge_in
from rooms import domain, policy
from rooms.live_room import LiveParticipant, LiveRoom
from rooms.models import Room
from rooms.tokens import AccessToken
from signaling.keys import DATABASE

Notify = Callable[..., None]


class BargeIns:
    def __init__(
        self, app: web.Application, to_room: Notify, spawn: Callable[[Awaitable[Any]], None]
    ) -> None:
        self.app = app
        self._to_room = to_room
        self._spawn = spawn
        self._operators: dict[str, str] = {}  # participant id -> the operator's subject
        self._speaking: dict[str, dict[str, Any]] = {}  # producer id -> notice

    async def check(self, token: AccessToken, room_id: str | None) -> None:
        """May this token speak into the room (room.barge on its subtree)? An unknown
        room is left to admission (room_not_found); a refusal is rooms.policy.Denied."""
        if not room_id:
            return
        async with self.app[DATABASE].session() as db:
            stored = await db.get(Room, room_id)
            if stored is None:
                return
            subject = policy.Subject.from_token(token, await domain.org_path(db, token.org))
            path = await domain.org_path(db, stored.organisation_id) or policy.UNOWNED
        policy.authorize(subject, policy.ROOM_BARGE, org_path=path, room_id=stored.id)

    def joined(self, participant_id: str, subject: str) -> None:
        self._operators[participant_id] = subject

    def left(self, participant_id: str) -> bool:
        """Forget an operator; True if it was one."""
        return self._operators.pop(participant_id, None) is not None

    def speaking_in(self, room_id: str) -> list[dict[str, Any]]:
        return [n for n in self._speaking.values() if n["roomId"] == room_id]

    def published(self, room: LiveRoom, participant: LiveParticipant, producers: list[Any]) -> None:
        subject = self._operators.get(participant.id)
        if subject is None:
            return
        for producer in producers:
            if producer.kind == "audio":
                self._started(room, participant, subject, producer)

    def _started(
        self, room: LiveRoom, participant: LiveParticipant, subject: str, producer: Any
    ) -> None:
        notice = {
            "active": True,
            "roomId": room.id,
            "participantId": participant.id,
            "producerId": producer.id,
            "name": participant.name,
        }
        self._speaking[producer.id] = notice
        self._to_room(room.id, "command-speaking", notice)
        database = self.app[DATABASE]
        self._spawn(
            database.run(lambda db: do_start_barge_in(db, subject, room.id, participant.id))
        )

        def ended() -> None:
            if self._speaking.pop(producer.id, None) is None:
                return
            self._to_room(room.id, "command-speaking", {**notice, "active": False})
            self._spawn(
                database.run(
                    lambda db: do_stop_barge_in(db, subject, room.id, participant.id, "ended")
                )
            )

        producer.observer.on("close", ended)


__all__ = ["BargeIns"]
