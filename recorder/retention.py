"""Retention of recordings: who may delete one, when, and the sweep that deletes
recordings past their organisation's retention period.

A recording can be deleted only once it has ended, its organisation's retention
period has passed, and it is not on legal hold; the sweep and a person deleting
by hand go through the same check, and every deletion is audited with what
identified the recording (manifest hash, chain head).

Files can't share a transaction with the database, so a deletion goes: the audit
entry and a pending-deletion row committed together, then the files removed,
then the deletion marked done. A deletion interrupted in between is finished at
the next start (or reported in the log, and by `GET /api/v1/audit/verify`)."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from recorder.store import (
    RECORDING,
    RecordingSummary,
    list_recordings,
    recording_identity,
    remove_recording,
)
from rooms.db import Database
from rooms.domain import DomainError
from rooms.recording_policy import (
    RecordingPolicy,
    deleted_ids,
    do_begin_recording_deletion,
    do_finish_recording_deletion,
    effective_policy,
    held_ids,
    pending_deletions,
)
from rooms.settings import RoomsSettings

logger = logging.getLogger(__name__)

DAY_S = 86400.0
SWEEPER = "system:retention"


def deletable_after(summary: RecordingSummary, policy: RecordingPolicy) -> float | None:
    """Epoch seconds from which the recording may be deleted; None: never."""
    if summary.state == RECORDING or policy.retention_days is None:
        return None
    return summary.ended_at + policy.retention_days * DAY_S


def refusal(
    summary: RecordingSummary, policy: RecordingPolicy, held: bool, now: float
) -> DomainError | None:
    """Why this recording may not be deleted now, or None if it may."""
    if held:
        return DomainError("legal_hold", "录像处于法律保全中，不能删除 / on legal hold", 409)
    if summary.state == RECORDING:
        return DomainError("recording_active", "录像仍在进行 / still recording", 409)
    after = deletable_after(summary, policy)
    if after is None:
        return DomainError(
            "retention_active", "本机构录像永久保存 / kept for good by its organisation", 409
        )
    if now < after:
        day = time.strftime("%Y-%m-%d", time.localtime(after))
        return DomainError(
            "retention_active",
            f"保存期至 {day}，期满前不能删除 / kept until {day} by its organisation",
            409,
        )
    return None


class Retention:
    """Deleting recordings, by hand or by the sweep (one per node, an AppKey)."""

    def __init__(
        self, database: Database, root: Path, defaults: RoomsSettings, *, sweep_s: float
    ) -> None:
        self.database = database
        self.root = root  # the recordings directory
        self.defaults = defaults  # the organisations' policy where none is set
        self.sweep_s = sweep_s

    async def policy_for(self, session: AsyncSession, org_id: str | None) -> RecordingPolicy:
        return await effective_policy(
            session,
            org_id,
            default_required=self.defaults.recording_required,
            default_retention_days=self.defaults.retention_days,
        )

    async def delete(
        self,
        summary: RecordingSummary,
        *,
        actor: str,
        reason: str,
        policy: RecordingPolicy,
        ip: str | None = None,
    ) -> dict[str, Any]:
        """Delete a recording (the caller checked `refusal`): audit first, then the
        files, then mark it done. Returns what identified it."""
        try:
            identity = await asyncio.to_thread(recording_identity, summary.path)
        except FileNotFoundError:  # deleted meanwhile (by hand, or by the sweep)
            raise DomainError("not_found", "录像不存在 / no such recording", 404) from None
        detail = {
            **identity,
            "reason": reason,
            "organisation": summary.organisation,
            "retentionDays": policy.retention_days,
            "endedAt": summary.ended_at,
        }
        await self.database.run(
            lambda s: do_begin_recording_deletion(
                s, summary.id, str(summary.path), actor=actor, detail=detail, ip=ip
            )
        )
        await asyncio.to_thread(remove_recording, summary.path)
        await self.database.run(lambda s: do_finish_recording_deletion(s, summary.id))
        logger.info("recording %s deleted by %s (%s)", summary.id, actor, reason)
        return identity

    async def finish_interrupted_deletions(self) -> tuple[list[str], list[str]]:
        """Deletions audited but not marked done (the hub stopped between the audit
        entry and the end of the removal): finish them. Returns (finished, failed);
        failures stay pending and are logged, to be tried again at the next start."""
        async with self.database.session() as s:
            pending = [(d.recording_id, d.path, d.audit_seq) for d in await pending_deletions(s)]
        finished: list[str] = []
        failed: list[str] = []
        for recording_id, path, seq in pending:
            try:
                await asyncio.to_thread(remove_recording, Path(path))
                await self.database.run(
                    partial(do_finish_recording_deletion, recording_id=recording_id)
                )
            except Exception:
                logger.exception(
                    "recording %s: deletion audited (#%d) but not finished; will retry",
                    recording_id,
                    seq,
                )
                failed.append(recording_id)
                continue
            logger.warning(
                "recording %s: finished a deletion interrupted after its audit entry #%d",
                recording_id,
                seq,
            )
            finished.append(recording_id)
        return finished, failed

    async def sweep(self, *, now: float | None = None) -> list[str]:
        """Delete every recording past its retention period and not on hold."""
        now = time.time() if now is None else now
        deleted: list[str] = []
        async with self.database.session() as s:
            held, gone = await held_ids(s), await deleted_ids(s)
            due = []
            for summary in list_recordings(self.root):
                policy = await self.policy_for(s, summary.organisation)
                if summary.id in gone or refusal(summary, policy, summary.id in held, now):
                    continue
                due.append((summary, policy))
        for summary, policy in due:
            try:
                await self.delete(summary, actor=SWEEPER, reason="retention expired", policy=policy)
            except DomainError as exc:  # held or deleted by hand meanwhile
                logger.info("retention: %s not deleted: %s", summary.id, exc.code)
                continue
            deleted.append(summary.id)
        return deleted

    async def run(self) -> None:
        """Sweep every `sweep_s` (until cancelled); finish_interrupted_deletions first."""
        while True:
            try:
                await self.sweep()
            except Exception:  # a bad recording dir must not stop retention for good
                logger.exception("retention sweep failed")
            await asyncio.sleep(self.sweep_s)


__all__ = ["DAY_S", "SWEEPER", "Retention", "deletable_after", "refusal"]
