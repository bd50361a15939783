"""The command center's oversight of a room, audited: listening in (监听) and talking
into it (barge-in, 远程指挥). Each start checks the right on the room (its subtree)
and writes its audit entry in the caller's unit of work; each stop writes one too."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import access_room_by_id
from rooms.models import Room
from rooms.policy import Subject


async def do_start_listening(
    session: AsyncSession, subject: Subject, room_id: str, *, ip: str | None = None
) -> Room:
    room = await access_room_by_id(session, subject, room_id, policy.ROOM_LISTEN)
    await do_append_audit(
        session, actor=subject.id, action="room.listen.start", target=f"room:{room.id}", ip=ip
    )
    return room


async def do_stop_listening(
    session: AsyncSession, actor: str, room_id: str, *, reason: str = "stopped"
) -> None:
    await do_append_audit(
        session,
        actor=actor,
        action="room.listen.stop",
        target=f"room:{room_id}",
        detail={"reason": reason},
    )


async def do_start_barge_in(
    session: AsyncSession, actor: str, room_id: str, participant_id: str
) -> None:
    """The operator's microphone went live in the room (its right was checked as it
    joined with bargeIn: rooms.policy.ROOM_BARGE)."""
    await do_append_audit(
        session,
        actor=actor,
        action="room.barge.start",
        target=f"room:{room_id}",
        detail={"participant": participant_id},
    )


async def do_stop_barge_in(
    session: AsyncSession, actor: str, room_id: str, participant_id: str, reason: str
) -> None:
    await do_append_audit(
        session,
        actor=actor,
        action="room.barge.stop",
        target=f"room:{room_id}",
        detail={"participant": participant_id, "reason": reason},
    )


__all__ = ["do_start_barge_in", "do_start_listening", "do_stop_barge_in", "do_stop_listening"]
