"""Retention of recordings: who may delete one, when, and the sweep that deletes
recordings past their organisation's retention period.

A recording can be deleted only once it has ended, its organisation's retention
period has passed, and it is not on legal hold; the sweep and a person deleting
by hand go through the same check, and every deletion is audited with what
identified the recording (manifest hash, chain head)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from recorder.store import RECORDING, RecordingSummary, delete_recording, list_recordings
from recorder.store import recordings_dir as recordings_root
from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.recording_policy import RecordingPolicy, effective_policy, held_ids
from signaling.keys import CONFIG, DATABASE

logger = logging.getLogger(__name__)

DAY_S = 86400.0
SWEEPER = "system:retention"


async def policy_for(app: web.Application, s: AsyncSession, org_id: str | None) -> RecordingPolicy:
    recorder = app[CONFIG].recorder
    return await effective_policy(
        s,
        org_id,
        default_required=recorder.recording_required,
        default_retention_days=recorder.retention_days,
    )


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


async def do_delete(
    s: AsyncSession,
    summary: RecordingSummary,
    *,
    actor: str,
    reason: str,
    policy: RecordingPolicy,
    ip: str | None = None,
) -> dict[str, Any]:
    gone = await asyncio.to_thread(delete_recording, summary.path)
    await do_append_audit(
        s,
        actor=actor,
        action="recording.delete",
        target=f"recording:{summary.id}",
        ip=ip,
        detail={
            **gone,
            "reason": reason,
            "organisation": summary.organisation,
            "retentionDays": policy.retention_days,
            "endedAt": summary.ended_at,
        },
    )
    logger.info("recording %s deleted by %s (%s)", summary.id, actor, reason)
    return gone


async def sweep(app: web.Application, *, now: float | None = None) -> list[str]:
    """Delete every recording past its retention period and not on hold."""
    now = time.time() if now is None else now
    deleted: list[str] = []
    root = recordings_root(app[CONFIG].server.data_dir)
    async with app[DATABASE].session() as s:
        held = await held_ids(s)
        for summary in list_recordings(root):
            policy = await policy_for(app, s, summary.organisation)
            if refusal(summary, policy, summary.id in held, now) is not None:
                continue
            await do_delete(s, summary, actor=SWEEPER, reason="retention expired", policy=policy)
            deleted.append(summary.id)
    return deleted


async def _sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    async def run() -> None:
        while True:
            try:
                await sweep(app)
            except Exception:  # a bad recording dir must not stop retention for good
                logger.exception("retention sweep failed")
            await asyncio.sleep(app[CONFIG].recorder.retention_sweep_s)

    task = asyncio.get_running_loop().create_task(run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_sweeper_ctx)
