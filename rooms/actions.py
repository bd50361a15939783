"""Writes on rooms and their participants (do_<verb>_<noun>, each with its audit
entry, committed by the caller's unit of work); reads through get_ functions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.audit import do_append_audit
from rooms.models import ROOM_ENDED, ROOM_OPEN, Participant, Room, utcnow


async def get_room(session: AsyncSession, room_id: str) -> Room | None:
    return await session.get(Room, room_id)


async def get_room_by_name(session: AsyncSession, name: str) -> Room | None:
    result = await session.execute(select(Room).where(Room.name == name))
    return result.scalar_one_or_none()


async def do_create_room(session: AsyncSession, name: str, *, actor: str) -> Room:
    room = Room(name=name, state=ROOM_OPEN)
    session.add(room)
    await session.flush()
    await do_append_audit(session, actor=actor, action="room.create", target=f"room:{room.id}")
    return room


async def do_get_or_create_room(session: AsyncSession, name: str, *, actor: str) -> Room:
    return await get_room_by_name(session, name) or await do_create_room(session, name, actor=actor)


async def do_end_room(
    session: AsyncSession, room: Room, *, actor: str, ip: str | None = None
) -> bool:
    """Mark the stored room ended (once; False if it had ended already) and every
    participant still in it as left."""
    if room.state == ROOM_ENDED:
        return False
    room.state = ROOM_ENDED
    room.ended_at = utcnow()
    present = await session.scalars(
        select(Participant).where(Participant.room_id == room.id, Participant.left_at.is_(None))
    )
    left = []
    for participant in present:
        participant.left_at = room.ended_at
        left.append(participant.id)
    await do_append_audit(
        session,
        actor=actor,
        action="room.end",
        target=f"room:{room.id}",
        ip=ip,
        detail={"participantsLeft": left},
    )
    return True


async def do_add_participant(
    session: AsyncSession,
    room: Room,
    *,
    subject: str,
    display_name: str,
    role: str,
    invitation: str | None = None,
) -> Participant:
    participant = Participant(
        room_id=room.id, subject=subject, display_name=display_name, role=role
    )
    session.add(participant)
    await session.flush()
    await do_append_audit(
        session,
        actor=subject,
        action="participant.join",
        target=f"room:{room.id}",
        detail={"participant": participant.id, "role": role, "invitation": invitation},
    )
    return participant


async def has_joined(session: AsyncSession, room_id: str, subject: str) -> bool:
    """Has this subject entered this room before?"""
    found = await session.scalar(
        select(Participant.id).where(Participant.room_id == room_id, Participant.subject == subject)
    )
    return found is not None


async def do_mark_participant_left(
    session: AsyncSession, participant_id: str, *, reason: str, actor: str | None = None
) -> bool:
    participant = await session.get(Participant, participant_id)
    if participant is None or participant.left_at is not None:
        return False
    participant.left_at = utcnow()
    await do_append_audit(
        session,
        actor=actor or participant.subject,
        action="participant.leave",
        target=f"room:{participant.room_id}",
        detail={"participant": participant.id, "reason": reason},
    )
    return True
