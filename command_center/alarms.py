"""Alarms, stored: raised and cleared by the hub's monitor, acknowledged by an
operator (audited), listed for the viewer's subtree; and the wall rule that puts a
room with an alarm on a given tile.

An alarm is open from `raised_at` until it clears (the cause went away) *and* an
operator acknowledged it; one open alarm per (kind, room, key) at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center.walls import ROOM, authorize, do_put_tile, screen_of
from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError, org_path
from rooms.models import Alarm, Organisation, Room, Wall, utcnow
from rooms.policy import Subject

PARTICIPANT_DROPPED = "participant_dropped"
ROOM_OVERTIME = "room_overtime"
RECORDING_FAILED = "recording_failed"
CAMERA_OFFLINE = "camera_offline"
PARTY_ALONE = "party_alone"
KINDS = (PARTICIPANT_DROPPED, ROOM_OVERTIME, RECORDING_FAILED, CAMERA_OFFLINE, PARTY_ALONE)
SYSTEM = "monitor"  # the actor of raises and rule-driven wall changes
RULE_ACTOR = "alarm-rule"


def _iso(at: dt.datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat()


def alarm_json(alarm: Alarm) -> dict[str, Any]:
    return {
        "id": alarm.id,
        "kind": alarm.kind,
        "level": alarm.level,
        "roomId": alarm.room_id,
        "organisationId": alarm.organisation_id,
        "key": alarm.key,
        "detail": alarm.detail,
        "raisedAt": _iso(alarm.raised_at),
        "clearedAt": _iso(alarm.cleared_at),
        "ackedBy": alarm.acked_by,
        "ackedAt": _iso(alarm.acked_at),
    }


@dataclass(frozen=True)
class Raised:
    alarm: Alarm
    new: bool  # False: it was open already
    walls: list[str]  # walls whose rule put the room on a tile


async def do_raise_alarm(
    session: AsyncSession,
    *,
    kind: str,
    level: str,
    room_id: str | None,
    key: str = "",
    detail: dict[str, Any] | None = None,
    levels: list[str] | tuple[str, ...] = (),
    organisation_id: str | None = None,
) -> Raised:
    """Raise an alarm (once while the same one is open and not cleared), audited,
    and apply the alarm rules of walls that may show the room. Its organisation is
    `organisation_id` when given (a camera's), else the room's."""
    query = select(Alarm).where(
        Alarm.kind == kind,
        Alarm.room_id.is_(None) if room_id is None else Alarm.room_id == room_id,
        Alarm.key == key,
        Alarm.cleared_at.is_(None),
    )
    existing = await session.scalar(query)
    if existing is not None:
        return Raised(existing, False, [])
    room = await session.get(Room, room_id) if room_id else None
    alarm = Alarm(
        kind=kind,
        level=level,
        room_id=room_id,
        organisation_id=organisation_id or (room.organisation_id if room else None),
        key=key,
        detail=detail or {},
        raised_at=utcnow(),
    )
    session.add(alarm)
    await session.flush()
    await do_append_audit(
        session,
        actor=SYSTEM,
        action="alarm.raise",
        target=f"alarm:{alarm.id}",
        detail={"kind": kind, "level": level, "room": room_id, "key": key},
    )
    walls = await _apply_rules(session, alarm, room, list(levels)) if room else []
    return Raised(alarm, True, walls)


async def do_clear_alarm(
    session: AsyncSession,
    *,
    kind: str,
    room_id: str | None,
    key: str = "",
    any_room: bool = False,
) -> Alarm | None:
    """The cause went away: the open alarm (if any) is marked cleared (audited).
    `any_room`: whichever room it was raised in (a camera's, raised in the room that
    watched it then)."""
    query = select(Alarm).where(Alarm.kind == kind, Alarm.key == key, Alarm.cleared_at.is_(None))
    if not any_room:
        query = query.where(
            Alarm.room_id.is_(None) if room_id is None else Alarm.room_id == room_id
        )
    alarm = await session.scalar(query.order_by(Alarm.raised_at).limit(1))
    if alarm is None:
        return None
    alarm.cleared_at = utcnow()
    await do_append_audit(
        session, actor=SYSTEM, action="alarm.clear", target=f"alarm:{alarm.id}", detail={}
    )
    return alarm


async def _alarm_path(session: AsyncSession, alarm: Alarm) -> str:
    return await org_path(session, alarm.organisation_id) or policy.UNOWNED


async def access_alarm_by_id(
    session: AsyncSession, subject: Subject, alarm_id: str, action: str = policy.ALARM_VIEW
) -> Alarm:
    alarm = await session.get(Alarm, alarm_id)
    if alarm is None:
        raise DomainError("not_found", "告警不存在 / no such alarm", 404)
    authorize(subject, action, await _alarm_path(session, alarm))
    return alarm


async def do_ack_alarm(
    session: AsyncSession, subject: Subject, alarm: Alarm, *, ip: str | None = None
) -> Alarm:
    authorize(subject, policy.ALARM_ACK, await _alarm_path(session, alarm))
    if alarm.acked_at is not None:
        raise DomainError("conflict", "告警已确认 / already acknowledged", 409)
    alarm.acked_by = subject.id
    alarm.acked_at = utcnow()
    await do_append_audit(
        session,
        actor=subject.id,
        action="alarm.ack",
        target=f"alarm:{alarm.id}",
        ip=ip,
        detail={"kind": alarm.kind, "room": alarm.room_id},
    )
    return alarm


async def list_alarms(
    session: AsyncSession, subject: Subject, *, open_only: bool = True, limit: int = 200
) -> list[Alarm]:
    """Alarms of the subject's subtree (and, for city administrators, of rooms
    outside the tree), newest first; open ones: not both cleared and acknowledged."""
    authorize(subject, policy.ALARM_VIEW, None)
    query = select(Alarm).outerjoin(Organisation, Organisation.id == Alarm.organisation_id)
    inside = Organisation.path.startswith(subject.org_path or "\0")
    query = query.where(
        or_(inside, Alarm.organisation_id.is_(None)) if subject.root_admin else inside
    )
    if open_only:
        query = query.where(or_(Alarm.cleared_at.is_(None), Alarm.acked_at.is_(None)))
    rows = await session.scalars(query.order_by(Alarm.raised_at.desc()).limit(limit))
    return list(rows)


async def open_alarms_for_rooms(
    session: AsyncSession, room_ids: set[str]
) -> dict[str, list[Alarm]]:
    """Open alarms by room (for the tiles that show those rooms)."""
    if not room_ids:
        return {}
    rows = await session.scalars(
        select(Alarm)
        .where(
            Alarm.room_id.in_(room_ids), or_(Alarm.cleared_at.is_(None), Alarm.acked_at.is_(None))
        )
        .order_by(Alarm.raised_at)
    )
    found: dict[str, list[Alarm]] = {}
    for alarm in rows:
        found.setdefault(str(alarm.room_id), []).append(alarm)
    return found


# -- the wall rule ----------------------------------------------------------------------
async def do_set_alarm_rule(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    rule: dict[str, Any] | None,
    levels: list[str],
    *,
    ip: str | None = None,
) -> Wall:
    """{"screen": n, "tile": t, "minLevel": level} or None (no rule)."""
    authorize(subject, policy.WALL_MANAGE, path)
    if rule is not None:
        screen = await screen_of(session, wall, _int(rule, "screen"))
        from command_center.layouts import parse_layout

        tile = _int(rule, "tile")
        if not 1 <= tile <= parse_layout(screen.layout).tiles:
            raise DomainError("not_found", f"画面 {tile} 不存在 / no tile {tile}", 404)
        if rule.get("minLevel") not in levels:
            raise DomainError("bad_request", f"minLevel 须为 {'/'.join(levels)} 之一 / one of them")
        rule = {"screen": screen.number, "tile": tile, "minLevel": rule["minLevel"]}
    wall.alarm_rule = rule
    wall.version = (wall.version or 0) + 1
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action="wall.alarm-rule",
        target=f"wall:{wall.id}",
        ip=ip,
        detail={"rule": rule},
    )
    return wall


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1000:
        raise DomainError("bad_request", f"{key} 须为正整数 / {key} must be a positive integer")
    return value


async def _apply_rules(
    session: AsyncSession, alarm: Alarm, room: Room, levels: list[str]
) -> list[str]:
    """Put the alarming room on the tile of every wall whose rule asks for it (a wall
    that may show the room: its subtree holds it)."""
    if alarm.level not in levels:
        return []
    room_path = await org_path(session, room.organisation_id) or policy.UNOWNED
    changed = []
    rows = await session.execute(
        select(Wall, Organisation.path)
        .join(Organisation, Organisation.id == Wall.organisation_id)
        .where(Wall.alarm_rule.is_not(None))
    )
    for wall, wall_path in rows.all():
        rule = wall.alarm_rule or {}
        if levels.index(alarm.level) < levels.index(rule.get("minLevel", levels[-1])):
            continue
        if not room_path.startswith(wall_path):
            continue
        screen = await screen_of(session, wall, int(rule["screen"]))
        root = "/" + wall_path.strip("/").split("/")[0] + "/"
        actor = Subject(id=RULE_ACTOR, name=RULE_ACTOR, role="admin", org_path=root)
        current = screen.tiles.get(str(rule["tile"]))
        if current == {"kind": ROOM, "roomId": room.id}:
            continue
        await do_put_tile(
            session,
            actor,
            wall,
            wall_path,
            screen,
            int(rule["tile"]),
            {"kind": ROOM, "roomId": room.id},
        )
        changed.append(wall.id)
    return changed


__all__ = [
    "CAMERA_OFFLINE",
    "KINDS",
    "PARTICIPANT_DROPPED",
    "PARTY_ALONE",
    "RECORDING_FAILED",
    "ROOM_OVERTIME",
    "Raised",
    "access_alarm_by_id",
    "alarm_json",
    "do_ack_alarm",
    "do_clear_alarm",
    "do_raise_alarm",
    "do_set_alarm_rule",
    "list_alarms",
    "open_alarms_for_rooms",
]
