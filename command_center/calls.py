"""Calls from the command center, stored: a roll-call (点名) rings one office and
opens its standing room (值班室: one per organisation, kept); a meeting rings
several offices into one new room. Each office answers from its own page; the
answer is audited and gives the answering staff a seat token for that room only
(made by the caller: rooms.tokens), so an office may answer a meeting held by an
organisation above it without seeing anything else of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center.walls import authorize
from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.models import ROOM_ENDED, ROOM_OPEN, Call, Organisation, Room, utcnow
from rooms.policy import Subject

ROLL_CALL, MEETING = "roll-call", "meeting"
MAX_OFFICES = 50


def standing_room_name(org: Organisation) -> str:
    return f"{org.name} 值班室 ({org.code})"


def call_json(call: Call, room: Room | None = None) -> dict[str, Any]:
    at = call.created_at
    return {
        "id": call.id,
        "kind": call.kind,
        "roomId": call.room_id,
        "roomName": room.name if room else None,
        "organisationIds": call.organisation_ids,
        "answered": call.answered,
        "createdBy": call.created_by,
        "createdAt": (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat(),
        "ended": call.ended_at is not None,
    }


async def do_start_call(
    session: AsyncSession,
    subject: Subject,
    offices: list[Organisation],
    *,
    kind: str,
    title: str = "",
    ip: str | None = None,
) -> tuple[Call, Room]:
    """Ring these offices (all inside the subject's subtree)."""
    if kind not in (ROLL_CALL, MEETING):
        raise DomainError("bad_request", "kind 须为 roll-call 或 meeting / roll-call or meeting")
    if not offices or len(offices) > MAX_OFFICES:
        raise DomainError(
            "bad_request", f"须呼叫 1-{MAX_OFFICES} 个机构 / call 1-{MAX_OFFICES} offices"
        )
    if kind == ROLL_CALL and len(offices) != 1:
        raise DomainError("bad_request", "点名一次呼叫一个机构 / a roll-call rings one office")
    for org in offices:
        authorize(subject, policy.ROLL_CALL, org.path)
    if kind == ROLL_CALL:
        room = await _standing_room(session, subject, offices[0], ip)
    else:
        own = await session.scalar(
            select(Organisation).where(Organisation.path == subject.org_path)
        )
        name = (title.strip() or "视频会议")[:100]
        room = Room(
            name=f"{name} {utcnow():%Y-%m-%d %H:%M:%S}.{utcnow():%f}"[:200],
            state=ROOM_OPEN,
            organisation_id=own.id if own else None,
        )
        session.add(room)
        await session.flush()
        await do_append_audit(
            session, actor=subject.id, action="room.create", target=f"room:{room.id}", ip=ip
        )
    call = Call(
        kind=kind,
        room_id=room.id,
        organisation_ids=[o.id for o in offices],
        answered={},
        created_by=subject.id,
    )
    session.add(call)
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action=f"call.{kind}",
        target=f"call:{call.id}",
        ip=ip,
        detail={"room": room.id, "offices": call.organisation_ids},
    )
    return call, room


async def _standing_room(
    session: AsyncSession, subject: Subject, org: Organisation, ip: str | None
) -> Room:
    name = standing_room_name(org)
    room = await session.scalar(select(Room).where(Room.name == name))
    if room is not None and room.state != ROOM_ENDED:
        return room
    if room is not None:  # ended: the standing room opens again under its name
        room.state, room.ended_at = ROOM_OPEN, None
        return room
    room = Room(name=name, state=ROOM_OPEN, organisation_id=org.id)
    session.add(room)
    await session.flush()
    await do_append_audit(
        session, actor=subject.id, action="room.create", target=f"room:{room.id}", ip=ip
    )
    return room


async def do_answer_call(
    session: AsyncSession, subject: Subject, call_id: str, *, ip: str | None = None
) -> tuple[Call, Room]:
    """Staff of a called office answer (once per office; again is allowed: a reload)."""
    call = await session.get(Call, call_id)
    if call is None or call.ended_at is not None:
        raise DomainError("not_found", "呼叫不存在或已结束 / no such call", 404)
    if subject.room is not None or not subject.org_path:
        raise DomainError("forbidden", "仅限机构工作人员 / office staff only", 403)
    own = await session.scalar(select(Organisation).where(Organisation.path == subject.org_path))
    if own is None or own.id not in call.organisation_ids:
        raise DomainError("forbidden", "此呼叫不是给您所在机构的 / not a call to your office", 403)
    authorize(subject, policy.ROOM_JOIN, own.path)
    room = await session.get(Room, call.room_id)
    if room is None or room.state == ROOM_ENDED:
        raise DomainError("room_ended", "调解室已结束 / the room has ended", 410)
    if own.id not in call.answered:
        call.answered = {**call.answered, own.id: subject.id}
    await do_append_audit(
        session,
        actor=subject.id,
        action="call.answer",
        target=f"call:{call.id}",
        ip=ip,
        detail={"office": own.id, "room": room.id},
    )
    return call, room


async def do_end_call(
    session: AsyncSession, subject: Subject, call_id: str, *, ip: str | None = None
) -> Call:
    call = await session.get(Call, call_id)
    if call is None:
        raise DomainError("not_found", "呼叫不存在 / no such call", 404)
    offices = (
        await session.scalars(
            select(Organisation).where(Organisation.id.in_(call.organisation_ids))
        )
    ).all()
    for org in offices:
        authorize(subject, policy.ROLL_CALL, org.path)
    if call.ended_at is None:
        call.ended_at = utcnow()
        await do_append_audit(
            session, actor=subject.id, action="call.end", target=f"call:{call.id}", ip=ip
        )
    return call


__all__ = [
    "MEETING",
    "ROLL_CALL",
    "call_json",
    "do_answer_call",
    "do_end_call",
    "do_start_call",
    "standing_room_name",
]
