"""The audit log: verify its hash chain."""

from __future__ import annotations

from rooms import policy
from rooms.audit import verify_audit_chain
from rooms.recording_policy import pending_deletions
from signaling.api.routing import API, Ctx, Route
from signaling.models import NoBody, NoQuery, Wire


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
        f"{API}/audit/verify",
        "校验审计日志 / verify the audit chain",
        audit_verify,
        AuditReportOut,
    ),
)
