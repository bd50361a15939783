"""Recordings over REST: list, look at (with a fresh verification), export.
Staff of the owning subtree with a recording role only; every look and export
goes to the audit log."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from recorder.export import export_recording
from recorder.store import RecordingSummary, list_recordings, read_state, recordings_dir
from recorder.verify import verify
from rooms import domain, policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.policy import Subject
from rooms.tokens import ADMIN
from signaling.keys import CONFIG


def _root(request: web.Request) -> Path:
    return recordings_dir(request.app[CONFIG].server.data_dir)


async def _may(s: AsyncSession, who: Subject, action: str, summary: RecordingSummary) -> bool:
    organisation = read_state(summary.path).get("metadata", {}).get("organisation") or None
    if organisation is None:  # an ad-hoc room outside the tree: administrators only
        return who.role == ADMIN and policy.allowed(who, action)
    return policy.allowed(who, action, org_path=await domain.org_path(s, organisation) or "\0")


def _json(summary: RecordingSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "room": summary.room,
        "state": summary.state,
        "startedAt": summary.started_at,
        "durationS": round(summary.duration_s, 1),
        "segments": summary.segments,
    }


async def _find(
    request: web.Request, s: AsyncSession, who: Subject, action: str
) -> RecordingSummary:
    wanted = request.match_info["recording_id"]
    found = next((r for r in list_recordings(_root(request)) if r.id == wanted), None)
    if found is None:
        raise DomainError("not_found", "录像不存在 / no such recording", 404)
    if not await _may(s, who, action, found):
        raise DomainError("forbidden", "无权查看此录像 / not allowed", 403)
    return found


async def list_(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    policy.authorize(who, policy.RECORDING_VIEW)
    visible = [
        r for r in list_recordings(_root(request)) if await _may(s, who, policy.RECORDING_VIEW, r)
    ]
    return web.json_response([_json(r) for r in visible])


async def get(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_VIEW)
    report = await asyncio.to_thread(verify, found.path)
    await do_append_audit(
        s, actor=who.id, action="recording.view", target=f"recording:{found.id}", ip=request.remote
    )
    return web.json_response(
        {
            **_json(found),
            "verification": {
                "ok": report.ok,
                "firstBadSegment": report.first_bad_segment,
                "report": report.text("zh") + "\n\n" + report.text("en"),
            },
        }
    )


async def export(request: web.Request, s: AsyncSession, who: Subject | None) -> web.StreamResponse:
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_EXPORT)
    await do_append_audit(
        s,
        actor=who.id,
        action="recording.export",
        target=f"recording:{found.id}",
        ip=request.remote,
    )
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        out = Path(tmp) / f"{found.id}.zip"
        await asyncio.to_thread(export_recording, found.path, out, None)
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/zip",
                "Content-Disposition": f'attachment; filename="{found.id}.zip"',
            }
        )
        await response.prepare(request)
        with out.open("rb") as f:
            while chunk := f.read(1 << 20):
                await response.write(chunk)
        await response.write_eof()
        return response
