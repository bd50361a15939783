"""GET /api/v1/audit: the audit log, newest first, filtered and paged, limited to the
viewer's subtree (rooms.audit_view says how entries are scoped)."""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.audit_view import AuditFilter, list_audit, names_of
from rooms.domain import DomainError
from rooms.policy import Subject
from signaling.query import query_int, query_time


def _iso(value: dt.datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def _text(request: web.Request, key: str, max_len: int = 200) -> str | None:
    value = request.query.get(key, "").strip()
    if len(value) > max_len:
        raise DomainError("bad_request", f"参数 {key} 过长 / {key} too long")
    return value or None


async def list_entries(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Query: action, actor, target, from, to, page, per_page."""
    assert who is not None
    page, per_page = query_int(request, "page", 1, 100_000), query_int(request, "per_page", 50, 200)
    where = AuditFilter(
        action=_text(request, "action", 64),
        actor=_text(request, "actor", 100),
        target=_text(request, "target"),
        at_from=query_time(request, "from"),
        at_to=query_time(request, "to"),
    )
    entries, total = await list_audit(s, who, where, page=page, per_page=per_page)
    names = await names_of(s, entries)
    return web.json_response(
        {
            "items": [
                {
                    "seq": e.seq,
                    "at": _iso(e.at),
                    "actor": e.actor,
                    "actorName": names.get(f"user:{e.actor}"),
                    "action": e.action,
                    "target": e.target,
                    "targetName": names.get(e.target),
                    "ip": e.ip,
                    "detail": e.detail,
                    "hash": e.hash,
                }
                for e in entries
            ],
            "total": total,
            "page": page,
            "perPage": per_page,
        }
    )
