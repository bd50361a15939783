"""The statistics of one viewer's organisation subtree (the /dashboard screen):
cases by status, severity and organisation, sessions per day and their average
length, live rooms by organisation, camera health. Counts only, no names of people.

    stats = await subtree_statistics(session, subject, days=14, live_rooms={room_id: people})

Every figure is one GROUP BY query over the subtree (never every row loaded);
organisations are grouped under the viewer's direct child organisations, each
with its subtree's totals ("self" is the viewer's own organisation). Live rooms
come from the caller (the live side knows them; this module touches no media).

A session is a room people joined: it starts when the first one joined and
lasts until the last one left (an ongoing session has no length yet). Days are
China Standard Time (UTC+8) calendar days, as the bureaus count them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.models import (
    ACCEPTED,
    ASSIGNED,
    FOLLOW_UP,
    MEDIATING,
    RECEIVED,
    Camera,
    Case,
    CaseStatus,
    Organisation,
    Participant,
    Room,
)
from rooms.policy import Subject

CST = dt.timezone(dt.timedelta(hours=8))
MAX_DAYS = 90
# cases still being worked on (not yet agreed, failed or archived; follow-up is work too)
OPEN_STATUSES = frozenset({RECEIVED, ACCEPTED, ASSIGNED, MEDIATING, FOLLOW_UP})
# camera states (media.camera_source.CameraState values) by health
CAMERA_ONLINE = frozenset({"online"})
CAMERA_OFFLINE = frozenset(
    {"offline", "unreachable", "auth_failed", "not_found", "bad_url", "unsupported_codec"}
)
SELF = "self"  # the viewer's own organisation, as a bucket beside its children


@dataclass
class OrgFigures:
    id: str
    name: str
    live_rooms: int = 0
    cases: int = 0
    open_cases: int = 0
    sessions: int = 0


@dataclass
class Statistics:
    organisation: dict[str, str]  # the viewer's: id, name
    days: int
    generated_at: dt.datetime
    live_rooms: int = 0
    live_participants: int = 0
    cases_total: int = 0
    cases_open: int = 0
    cases_by_status: dict[str, int] = field(default_factory=dict)
    cases_by_severity: dict[str, int] = field(default_factory=dict)
    by_organisation: list[OrgFigures] = field(default_factory=list)
    sessions_per_day: list[tuple[str, int]] = field(default_factory=list)
    sessions_total: int = 0
    sessions_ended: int = 0
    average_session_s: float | None = None
    cameras: dict[str, Any] = field(default_factory=dict)
    # the organisations of the subtree (the caller filters what lives outside the
    # database by them: recordings)
    organisation_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Subtree:
    own: Organisation
    orgs: dict[str, Organisation]  # id -> organisation, every one of the subtree
    children: list[Organisation]

    def bucket(self, org_id: str | None) -> str | None:
        """The child organisation (its id) whose subtree holds `org_id`, SELF for the
        viewer's own, None outside the subtree."""
        org = self.orgs.get(org_id or "")
        if org is None:
            return None
        for child in self.children:
            if org.path.startswith(child.path):
                return child.id
        return SELF


async def _subtree(session: AsyncSession, subject: Subject) -> _Subtree:
    prefix = subject.org_path or "\0"
    rows = await session.scalars(
        select(Organisation).where(Organisation.path.startswith(prefix)).order_by(Organisation.path)
    )
    orgs = {o.id: o for o in rows}
    own = next((o for o in orgs.values() if o.path == subject.org_path), None)
    if own is None:
        raise policy.Denied("forbidden", "不在您的辖区内 / outside your organisation")
    children = [o for o in orgs.values() if o.parent_id == own.id]
    return _Subtree(own, orgs, children)


def _dialect(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def _cst_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """A timestamp's calendar day in China Standard Time, as 'YYYY-MM-DD'."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return func.date(column, "+8 hours")  # SQLite keeps UTC wall-clock strings


def _seconds(end: Any, start: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def day_labels(days: int, now: dt.datetime) -> list[str]:
    """The last `days` CST calendar days up to today, oldest first."""
    today = now.astimezone(CST).date()
    return [(today - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


async def subtree_statistics(
    session: AsyncSession,
    subject: Subject,
    *,
    days: int = 14,
    live_rooms: Mapping[str, int] | None = None,
    now: dt.datetime | None = None,
) -> Statistics:
    """The figures of `subject`'s subtree; `live_rooms` maps the rooms live now (on
    this hub) to how many people are in each."""
    policy.authorize(subject, policy.STATS_VIEW, org_path=subject.org_path)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    now = now or dt.datetime.now(dt.UTC)
    tree = await _subtree(session, subject)
    figures = {c.id: OrgFigures(c.id, c.name) for c in tree.children}
    figures[SELF] = OrgFigures(tree.own.id, tree.own.name)
    stats = Statistics(
        organisation={"id": tree.own.id, "name": tree.own.name},
        days=days,
        generated_at=now,
        organisation_ids=frozenset(tree.orgs),
    )
    ids = list(tree.orgs)  # the subtree's organisations: an IN list, no join per row

    # cases: one row per (organisation, status, severity)
    rows = await session.execute(
        select(Case.organisation_id, Case.status, Case.severity, func.count())
        .where(Case.organisation_id.in_(ids))
        .group_by(Case.organisation_id, Case.status, Case.severity)
    )
    by_status = dict.fromkeys((str(s) for s in CaseStatus), 0)
    for org_id, status, severity, count in rows.all():
        by_status[status] = by_status.get(status, 0) + count
        stats.cases_by_severity[severity] = stats.cases_by_severity.get(severity, 0) + count
        stats.cases_total += count
        bucket = figures.get(tree.bucket(org_id) or "")
        if bucket is not None:
            bucket.cases += count
        if status in OPEN_STATUSES:
            stats.cases_open += count
            if bucket is not None:
                bucket.open_cases += count
    stats.cases_by_status = by_status

    # live rooms: which of them are in the subtree, and where
    if live_rooms:
        live = await session.execute(
            select(Room.id, Room.organisation_id).where(
                Room.id.in_(list(live_rooms)), Room.organisation_id.in_(ids)
            )
        )
        for room_id, room_org in live.all():
            stats.live_rooms += 1
            stats.live_participants += live_rooms[room_id]
            bucket = figures.get(tree.bucket(room_org) or "")
            if bucket is not None:
                bucket.live_rooms += 1

    await _sessions(session, stats, tree, figures, now)
    await _cameras(session, stats, ids)
    stats.by_organisation = [figures[c.id] for c in tree.children]
    if any(vars(figures[SELF])[k] for k in ("live_rooms", "cases", "sessions")):
        stats.by_organisation.append(figures[SELF])
    return stats


async def _sessions(
    session: AsyncSession,
    stats: Statistics,
    tree: _Subtree,
    figures: dict[str, OrgFigures],
    now: dt.datetime,
) -> None:
    """Sessions that started in the window: per CST day, per organisation, their
    average length (ended ones)."""
    dialect = _dialect(session)
    labels = day_labels(stats.days, now)
    first_day = dt.datetime.fromisoformat(labels[0]).replace(tzinfo=CST).astimezone(dt.UTC)
    everyone_left = func.count(Participant.left_at) == func.count()
    per_room = (
        select(
            Participant.room_id.label("room_id"),
            func.min(Participant.joined_at).label("started"),
            case((everyone_left, func.max(Participant.left_at)), else_=None).label("ended"),
        )
        .group_by(Participant.room_id)
        .subquery()
    )
    day = _cst_day(per_room.c.started, dialect)
    length = _seconds(per_room.c.ended, per_room.c.started, dialect)
    rows = await session.execute(
        select(
            day,
            Room.organisation_id,
            func.count(),
            func.count(per_room.c.ended),
            func.sum(length),
        )
        .select_from(per_room)
        .join(Room, Room.id == per_room.c.room_id)
        .where(Room.organisation_id.in_(list(tree.orgs)), per_room.c.started >= first_day)
        .group_by(day, Room.organisation_id)
    )
    per_day = dict.fromkeys(labels, 0)
    total_s = 0.0
    for label, org_id, count, ended, seconds in rows.all():
        if label in per_day:
            per_day[label] += count
        stats.sessions_total += count
        stats.sessions_ended += ended
        total_s += float(seconds or 0.0)
        bucket = figures.get(tree.bucket(org_id) or "")
        if bucket is not None:
            bucket.sessions += count
    stats.sessions_per_day = list(per_day.items())
    if stats.sessions_ended:
        stats.average_session_s = round(total_s / stats.sessions_ended, 1)


async def _cameras(session: AsyncSession, stats: Statistics, ids: list[str]) -> None:
    """Camera health from the registry: the state each camera's pull last reported
    (a camera nobody watches is not pulled: idle)."""
    rows = await session.execute(
        select(Camera.state, func.count())
        .where(Camera.organisation_id.in_(ids))
        .group_by(Camera.state)
    )
    by_state = {state: count for state, count in rows.all()}
    total = sum(by_state.values())
    online = sum(n for s, n in by_state.items() if s in CAMERA_ONLINE)
    offline = sum(n for s, n in by_state.items() if s in CAMERA_OFFLINE)
    stats.cameras = {
        "total": total,
        "online": online,
        "offline": offline,
        "idle": total - online - offline,
        "byState": by_state,
    }


__all__ = [
    "CAMERA_OFFLINE",
    "CAMERA_ONLINE",
    "MAX_DAYS",
    "OPEN_STATUSES",
    "OrgFigures",
    "Statistics",
    "day_labels",
    "subtree_statistics",
]
