"""Writes go through do_<verb>_<noun>; reads through get_/access_ functions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.models import ROOM_ENDED, ROOM_OPEN, Participant, Room, utcnow


async def get_room(session: AsyncSession, room_id: str) -> Room | None:
    return await session.get(Room, room_id)


async def get_room_by_name(session: AsyncSession, name: str) -> Room | None:
    result = await session.execute(select(Room).where(Room.name == name))
    return result.scalar_one_or_none()


async def do_create_room(session: AsyncSession, name: str) -> Room:
    room = Room(name=name, state=ROOM_OPEN)
    session.add(room)
    await session.commit()
    return room


async def do_get_or_create_room(session: AsyncSession, name: str) -> Room:
    return await get_room_by_name(session, name) or await do_create_room(session, name)


async def do_end_room(session: AsyncSession, room: Room) -> None:
    room.state = ROOM_ENDED
    room.ended_at = utcnow()
    await session.commit()


async def do_add_participant(
    session: AsyncSession, room: Room, *, subject: str, display_name: str, role: str
) -> Participant:
    participant = Participant(
        room_id=room.id, subject=subject, display_name=display_name, role=role
    )
    session.add(participant)
    await session.commit()
    return participant


async def has_joined(session: AsyncSession, room_id: str, subject: str) -> bool:
    """Has this subject entered this room before?"""
    found = await session.scalar(
        select(Participant.id).where(Participant.room_id == room_id, Participant.subject == subject)
    )
    return found is not None


async def do_mark_participant_left(session: AsyncSession, participant_id: str) -> None:
    participant = await session.get(Participant, participant_id)
    if participant is not None and participant.left_at is None:
        participant.left_at = utcnow()
        await session.commit()
