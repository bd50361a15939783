"""Recording policy of the organisation tree, and legal holds on recordings.

An organisation may require recording in every case room and sets how long its
recordings are kept; either setting left empty (None) is inherited from the
nearest ancestor that sets it, and at the root from the configuration. A legal
hold keeps one recording from deletion, by retention or by hand, until released.
A deletion is audited first, then the files go, then it is marked done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError, access_organisation_by_id
from rooms.models import Organisation, RecordingDeletion, RecordingHold
from rooms.policy import Subject

MAX_RETENTION_DAYS = 36500  # a hundred years


@dataclass(frozen=True)
class RecordingPolicy:
    required: bool
    retention_days: int | None  # None: kept until deleted by hand
    required_by: str | None  # organisation id that set `required`, None for the config
    retention_by: str | None


async def effective_policy(
    session: AsyncSession,
    org_id: str | None,
    *,
    default_required: bool = False,
    default_retention_days: int | None = None,
) -> RecordingPolicy:
    """The policy that applies to an organisation's rooms (inherited down the tree)."""
    required: tuple[bool, str | None] = (default_required, None)
    retention: tuple[int | None, str | None] = (default_retention_days, None)
    path = await session.scalar(select(Organisation.path).where(Organisation.id == org_id))
    if org_id and path:
        ancestors = [a for a in path.split("/") if a]
        rows = {
            o.id: o
            for o in await session.scalars(
                select(Organisation).where(Organisation.id.in_(ancestors))
            )
        }
        for ancestor in ancestors:  # root first: the nearest setting wins
            org = rows.get(ancestor)
            if org is None:
                continue
            if org.recording_required is not None:
                required = (org.recording_required, org.id)
            if org.retention_days is not None:
                retention = (org.retention_days, org.id)
    return RecordingPolicy(required[0], retention[0], required[1], retention[1])


async def do_set_recording_policy(
    session: AsyncSession,
    subject: Subject,
    org_id: str,
    *,
    required: bool | None,
    retention_days: int | None,
    ip: str | None = None,
) -> Organisation:
    org = await access_organisation_by_id(session, subject, org_id, policy.ORG_MANAGE)
    if retention_days is not None and not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise DomainError(
            "bad_request",
            f"保存天数应为 1–{MAX_RETENTION_DAYS} 或留空（继承）"
            f" / retentionDays must be 1-{MAX_RETENTION_DAYS} or null (inherit)",
        )
    before = {"required": org.recording_required, "retentionDays": org.retention_days}
    org.recording_required = required
    org.retention_days = retention_days
    await do_append_audit(
        session,
        actor=subject.id,
        action="org.recording_policy",
        target=f"org:{org.id}",
        ip=ip,
        detail={"before": before, "after": {"required": required, "retentionDays": retention_days}},
    )
    return org


# -- legal holds ------------------------------------------------------------------------
async def hold_of(session: AsyncSession, recording_id: str) -> RecordingHold | None:
    return await session.get(RecordingHold, recording_id)


async def held_ids(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(RecordingHold.recording_id)))


async def do_place_hold(
    session: AsyncSession,
    subject: Subject,
    recording_id: str,
    organisation_id: str | None,
    reason: str,
    *,
    ip: str | None = None,
) -> RecordingHold:
    """Place a legal hold (the caller has checked the subject may see the recording)."""
    policy.authorize(subject, policy.RECORDING_HOLD)
    hold = await hold_of(session, recording_id)
    if hold is not None:
        return hold
    hold = RecordingHold(
        recording_id=recording_id,
        organisation_id=organisation_id,
        reason=reason,
        placed_by=subject.id,
        placed_at=dt.datetime.now(dt.UTC),
    )
    session.add(hold)
    await do_append_audit(
        session,
        actor=subject.id,
        action="recording.hold",
        target=f"recording:{recording_id}",
        ip=ip,
        detail={"reason": reason},
    )
    return hold


async def do_release_hold(
    session: AsyncSession,
    subject: Subject,
    recording_id: str,
    reason: str,
    *,
    ip: str | None = None,
) -> bool:
    """Release a hold; False if there was none."""
    policy.authorize(subject, policy.RECORDING_HOLD)
    hold = await hold_of(session, recording_id)
    if hold is None:
        return False
    placed = {"reason": hold.reason, "placedBy": hold.placed_by, "placedAt": hold.placed_at}
    await session.delete(hold)
    await do_append_audit(
        session,
        actor=subject.id,
        action="recording.release",
        target=f"recording:{recording_id}",
        ip=ip,
        detail={"reason": reason, "hold": {**placed, "placedAt": str(placed["placedAt"])}},
    )
    return True


# -- deletions ----------------------------------------------------------------------------
async def do_begin_recording_deletion(
    session: AsyncSession,
    recording_id: str,
    path: str,
    *,
    actor: str,
    detail: dict[str, Any],
    ip: str | None = None,
) -> RecordingDeletion:
    """First step of deleting a recording: the audit entry and the pending
    deletion, in the caller's unit of work; the files go only after it commits.
    A recording already being deleted (or deleted) is not_found."""
    if await session.get(RecordingDeletion, recording_id) is not None:
        raise DomainError("not_found", "录像不存在 / no such recording", 404)
    if await hold_of(session, recording_id) is not None:
        raise DomainError("legal_hold", "录像处于法律保全中，不能删除 / on legal hold", 409)
    entry = await do_append_audit(
        session,
        actor=actor,
        action="recording.delete",
        target=f"recording:{recording_id}",
        ip=ip,
        detail=detail,
    )
    deletion = RecordingDeletion(recording_id=recording_id, path=path, audit_seq=entry.seq)
    session.add(deletion)
    await session.flush()
    return deletion


async def do_finish_recording_deletion(session: AsyncSession, recording_id: str) -> None:
    """Last step: the files are gone (bookkeeping; the audit entry was the first step)."""
    deletion = await session.get(RecordingDeletion, recording_id)
    if deletion is not None and deletion.done_at is None:
        deletion.done_at = dt.datetime.now(dt.UTC)


async def deleted_ids(session: AsyncSession) -> set[str]:
    """Recordings deleted or being deleted (not to be shown or deleted again)."""
    return set(await session.scalars(select(RecordingDeletion.recording_id)))


async def pending_deletions(session: AsyncSession) -> list[RecordingDeletion]:
    rows = await session.scalars(
        select(RecordingDeletion)
        .where(RecordingDeletion.done_at.is_(None))
        .order_by(RecordingDeletion.started_at)
    )
    return list(rows)
