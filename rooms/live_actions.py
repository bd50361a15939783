"""Actions on a live room that also write the stored room. A live module.

One `end_room` for the REST route and the socket.io `end-room` event alike: the
stored room ends first (every participant marked left, audited in one unit of
work), so nobody can join it again while it closes; then everyone in the live
room on this node is told `room-ended` and disconnected, and the live room
closes (its RoomClosing event: recording control stops and seals the recording).

Seats end the same way whoever ends them: a participant leaving, a moderator
removing one, an invitation revoked (every seat it opened).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from rooms import actions, domain
from rooms.db import Database
from rooms.live_events import CloseReason, LeaveReason
from rooms.live_room import LiveParticipant, LiveRoom, LiveRooms
from rooms.models import Invitation

logger = logging.getLogger(__name__)


async def end_room(
    database: Database, live_rooms: LiveRooms, room_id: str, *, actor: str, ip: str | None = None
) -> None:
    """End the room `room_id` (the caller authorised it: rooms.policy ROOM_END).
    Ending twice is harmless and audited once."""

    async def end_stored(session: AsyncSession) -> None:
        stored = await actions.get_room(session, room_id)
        if stored is not None:
            await actions.do_end_room(session, stored, actor=actor, ip=ip)

    await database.run(end_stored)
    live = live_rooms.get(room_id)
    if live is None:
        return
    for participant in live.participants:
        await live_rooms.notifier.dismiss(
            live.id, participant.id, "room-ended", {"reason": str(LeaveReason.ROOM_ENDED)}
        )
    await live.close(CloseReason.ENDED, by=actor)
    logger.info("room %s ended by %s", room_id, actor)


async def end_seat(
    database: Database,
    room: LiveRoom,
    participant: LiveParticipant,
    reason: LeaveReason,
    *,
    actor: str | None = None,
) -> None:
    """The participant leaves the live room and the stored one (audited)."""
    await room.leave(participant.id, reason)
    await database.run(
        lambda session: actions.do_mark_participant_left(
            session, participant.id, reason=str(reason), actor=actor
        )
    )


async def remove_participant(
    database: Database, room: LiveRoom, target: LiveParticipant, *, actor: str
) -> None:
    """A moderator removes `target` (authorised by the caller): it is told
    `removed`, disconnected, and may not come back into this live room."""
    await room.notifier.dismiss(room.id, target.id, "removed", {"reason": str(LeaveReason.REMOVED)})
    await end_seat(database, room, target, LeaveReason.REMOVED, actor=actor)


async def end_invitation_seats(
    database: Database, live_rooms: LiveRooms, invitation: Invitation, *, actor: str
) -> list[str]:
    """A revoked invitation: everyone seated with it is told (`removed`, reason
    `invitation_revoked`), disconnected and leaves the room. Returns their ids."""
    room = live_rooms.get(invitation.room_id)
    if room is None:
        return []
    subject = domain.invitation_subject(invitation.id)
    seated = [p for p in room.participants if p.subject == subject]
    for participant in seated:
        await live_rooms.notifier.dismiss(
            room.id, participant.id, "removed", {"reason": str(LeaveReason.INVITATION_REVOKED)}
        )
        await end_seat(database, room, participant, LeaveReason.INVITATION_REVOKED, actor=actor)
    return [p.id for p in seated]


__all__ = ["end_invitation_seats", "end_room", "end_seat", "remove_participant"]
