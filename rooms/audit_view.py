"""Reading the audit log (rooms.audit writes and verifies it): a filtered, paged list
of entries for an administrator, limited to what concerns the viewer's subtree.

Scope: an entry concerns an organisation when its actor is a user of it, or its
target ("case:<id>", "room:<id>", "user:<id>", "org:<id>", "invitation:<id>") is an
object of it. Administrators of the tree's root (the city) see every entry,
including those that belong to no organisation (the first start, the command line,
ad-hoc rooms, recordings of rooms outside the tree); administrators lower down see
the entries that concern their subtree, and not those (DESIGN: staff see their own
organisation's subtree only; nothing outside it is theirs to read).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.domain import DomainError
from rooms.models import AuditEntry, Case, Invitation, Organisation, Room, User
from rooms.policy import Denied, Subject


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact, or a prefix ending in "." ("case.")
    actor: str | None = None  # a user id, or "system" / "cli"
    target: str | None = None  # exact ("case:<id>"), or a prefix ending in ":" ("case:")
    at_from: dt.datetime | None = None
    at_to: dt.datetime | None = None


def _in_subtree(path: str) -> ColumnElement[bool]:
    """Entries whose actor or target belongs to the subtree at `path`."""
    orgs = select(Organisation.id).where(Organisation.path.startswith(path))
    users = select(User.id).where(User.organisation_id.in_(orgs))
    cases = select(literal("case:") + Case.id).where(Case.organisation_id.in_(orgs))
    rooms = select(Room.id).where(Room.organisation_id.in_(orgs))
    return or_(
        AuditEntry.actor.in_(users),
        AuditEntry.target.in_(cases),
        AuditEntry.target.in_(select(literal("room:") + Room.id).where(Room.id.in_(rooms))),
        AuditEntry.target.in_(select(literal("user:") + User.id).where(User.id.in_(users))),
        AuditEntry.target.in_(
            select(literal("org:") + Organisation.id).where(Organisation.id.in_(orgs))
        ),
        AuditEntry.target.in_(
            select(literal("invitation:") + Invitation.id).where(Invitation.room_id.in_(rooms))
        ),
    )


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.action:
        if where.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(where.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == where.action)
    if where.actor:
        query = query.where(AuditEntry.actor == where.actor)
    if where.target:
        if where.target.endswith(":"):
            query = query.where(AuditEntry.target.startswith(where.target, autoescape=True))
        else:
            query = query.where(AuditEntry.target == where.target)
    if where.at_from:
        query = query.where(AuditEntry.at >= where.at_from)
    if where.at_to:
        query = query.where(AuditEntry.at < where.at_to)
    return query


async def list_audit(
    session: AsyncSession,
    subject: Subject,
    where: AuditFilter,
    *,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEntry], int]:
    """Newest first: the entries `subject` may read that match `where`, and how many."""
    try:
        policy.authorize(subject, policy.AUDIT_VIEW)
    except Denied as exc:
        raise DomainError(exc.code, exc.message, 403) from None
    query = _filtered(select(AuditEntry), where)
    if not subject.root_admin:
        query = query.where(_in_subtree(subject.org_path or "\0"))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(AuditEntry.seq.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


async def names_of(session: AsyncSession, entries: list[AuditEntry]) -> dict[str, str]:
    """Human names for the actors and targets of `entries` ("user:<id>" -> "东城调解员",
    "case:<id>" -> "案号 标题", ...), for those that still exist."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        wanted.setdefault("user", set()).add(entry.actor)
        kind, _, ident = entry.target.partition(":")
        if ident:
            wanted.setdefault(kind, set()).add(ident)
    names: dict[str, str] = {}
    tables: dict[str, tuple[Any, Any]] = {
        "user": (User.id, User.display_name),
        "case": (Case.id, Case.number + literal(" ") + Case.title),
        "room": (Room.id, Room.name),
        "org": (Organisation.id, Organisation.name),
        "invitation": (Invitation.id, Invitation.name),
    }
    for kind, (key, label) in tables.items():
        ids = wanted.get(kind)
        if ids:
            for ident, name in (
                await session.execute(select(key, label).where(key.in_(ids)))
            ).all():
                names[f"{kind}:{ident}"] = name
    return names
