"""The audit log: read it (newest first, filtered and paged, limited to the
viewer's subtree: rooms.audit_view says how entries are scoped); verify its hash
chain."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rooms import policy
from rooms.audit import verify_audit_chain
from rooms.audit_view import AuditFilter, list_audit, names_of
from rooms.recording_policy import pending_deletions
from signaling.api.routing import API, Ctx, Route, iso
from signaling.models import (
    NoBody,
    NoQuery,
    Query,
    QueryText64,
    QueryText100,
    QueryText200,
    QueryTime,
    Wire,
)


class AuditQuery(Query):
    """action (exact, or a prefix ending in "."), actor (a user id, "system", "cli"),
    target (exact, or a prefix ending in ":"), from / to (ISO 8601), page, per_page."""

    action: QueryText64 = None
    actor: QueryText100 = None
    target: QueryText200 = None
    at_from: QueryTime = Field(None, alias="from")
    at_to: QueryTime = Field(None, alias="to")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


class AuditEntryOut(Wire):
    seq: int
    at: str | None
    actor: str
    actor_name: str | None
    action: str
    target: str
    target_name: str | None
    ip: str | None
    detail: dict[str, Any]
    hash: str


class AuditPage(Wire):
    items: list[AuditEntryOut]
    total: int
    page: int
    per_page: int


class PendingDeletion(Wire):
    recording_id: str
    audit_entry: int


class AuditReportOut(Wire):
    ok: bool
    entries: int
    first_bad_entry: int | None
    reason: str | None
    # deletions audited but not finished (the next start finishes them)
    pending_deletions: list[PendingDeletion]


async def list_entries(ctx: Ctx[NoBody, AuditQuery]) -> AuditPage:
    q = ctx.query
    where = AuditFilter(
        action=q.action, actor=q.actor, target=q.target, at_from=q.at_from, at_to=q.at_to
    )
    entries, total = await list_audit(ctx.session, ctx.who, where, page=q.page, per_page=q.per_page)
    names = await names_of(ctx.session, entries)
    return AuditPage(
        items=[
            AuditEntryOut(
                seq=e.seq,
                at=iso(e.at),
                actor=e.actor,
                actor_name=names.get(f"user:{e.actor}"),
                action=e.action,
                target=e.target,
                target_name=names.get(e.target),
                ip=e.ip,
                detail=e.detail,
                hash=e.hash,
            )
            for e in entries
        ],
        total=total,
        page=q.page,
        per_page=q.per_page,
    )


async def audit_verify(ctx: Ctx[NoBody, NoQuery]) -> AuditReportOut:
    policy.authorize(ctx.who, policy.AUDIT_VIEW)
    report = await verify_audit_chain(ctx.session)
    pending = await pending_deletions(ctx.session)
    return AuditReportOut(
        ok=report.ok,
        entries=report.entries,
        first_bad_entry=report.first_bad_seq,
        reason=report.reason,
        pending_deletions=[
            PendingDeletion(recording_id=d.recording_id, audit_entry=d.audit_seq) for d in pending
        ],
    )


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/audit",
        "审计日志（筛选、分页）/ the audit log",
        list_entries,
        AuditPage,
        query=AuditQuery,
    ),
    Route(
        "GET",
        f"{API}/audit/verify",
        "校验审计日志 / verify the audit chain",
        audit_verify,
        AuditReportOut,
    ),
)
