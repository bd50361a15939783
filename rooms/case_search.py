"""The case list: search (number, title, a party's name), filters (type, status,
organisation subtree, registration dates), paging, and the type facet, all within
what the viewer's organisation sees (rooms.policy)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.domain import DomainError, _authorize, org_path
from rooms.models import Case, Organisation
from rooms.policy import Subject


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is narrowed to (every field optional). `text` matches the
    number, the title or a party's name; `organisation_id` takes its whole subtree;
    `created_from`/`created_to` bound the registration time (from inclusive, to exclusive)."""

    text: str | None = None
    type: str | None = None
    status: str | None = None
    organisation_id: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_cases(
    session: AsyncSession,
    subject: Subject,
    *,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
    where: CaseFilter | None = None,
) -> tuple[list[Case], int]:
    _authorize(subject, policy.CASE_VIEW)
    where = where or CaseFilter(status=status)
    within = subject.org_path or "\0"
    if where.organisation_id:
        chosen = await org_path(session, where.organisation_id)
        if chosen is None or not chosen.startswith(within):
            raise DomainError("forbidden", "不在您的辖区内 / outside your organisation", 403)
        within = chosen
    query = (
        select(Case)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .where(Organisation.path.startswith(within))
    )
    if where.status:
        query = query.where(Case.status == where.status)
    if where.type:
        query = query.where(Case.type == where.type)
    if where.text:
        pattern = _like(where.text)
        query = query.where(
            or_(
                Case.number.ilike(pattern, escape="\\"),
                Case.title.ilike(pattern, escape="\\"),
                cast(Case.parties, String).ilike(_like(_json_text(where.text)), escape="\\"),
            )
        )
    if where.created_from:
        query = query.where(Case.created_at >= where.created_from)
    if where.created_to:
        query = query.where(Case.created_at < where.created_to)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.execute(
        query.order_by(Case.created_at.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows.scalars()), total


async def case_types(session: AsyncSession, subject: Subject) -> list[str]:
    """The dispute types of the cases `subject` sees (for the list's type filter)."""
    _authorize(subject, policy.CASE_VIEW)
    rows = await session.scalars(
        select(Case.type)
        .join(Organisation, Organisation.id == Case.organisation_id)
        .where(Organisation.path.startswith(subject.org_path or "\0"))
        .distinct()
        .order_by(Case.type)
        .limit(200)
    )
    return list(rows)


def _json_text(text: str) -> str:
    """How `text` appears inside the stored JSON of parties: SQLAlchemy writes JSON
    with json.dumps' defaults, so "张三" is stored as "\\u5f20\\u4e09"."""
    return json.dumps(text)[1:-1]
