"""Audit entries for reads (who looked at, listed, played or exported what):
written in a unit of work of their own once the read is done, before the answer
leaves. The read session's transaction ends first, so a request never holds two
pooled connections at once."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.audit import do_append_audit
from signaling.keys import DATABASE


async def audit_access(
    request: web.Request,
    read_session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await read_session.commit()  # nothing was written: ends the read, frees its connection
    await request.app[DATABASE].run(
        lambda s: do_append_audit(
            s, actor=actor, action=action, target=target, ip=request.remote, detail=detail
        )
    )
