"""Recordings over REST: list, look at (with a fresh verification), play (tracks
and original segments), export, legal hold, delete. Staff of the owning subtree
with a recording role only; every listing, look, play, export, hold and deletion
goes to the audit log."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from recorder.export import export_recording
from recorder.manifest import MANIFEST_FILE
from recorder.signing import load_or_create_signing_key, public_key_pem
from recorder.store import RecordingSummary, list_recordings, read_state, recordings_dir
from recorder.timing import Timeline
from recorder.verify import SEGMENT_FILE, VerifyReport, verify
from rooms import domain, policy
from rooms.domain import DomainError
from rooms.models import RecordingHold
from rooms.policy import Subject
from rooms.recording_policy import (
    deleted_ids,
    do_place_hold,
    do_release_hold,
    held_ids,
    hold_of,
)
from signaling import retention
from signaling.access_log import audit_access
from signaling.decoder import body, text
from signaling.keys import CONFIG


def _root(request: web.Request) -> Path:
    return recordings_dir(request.app[CONFIG].server.data_dir)


async def _may(s: AsyncSession, who: Subject, action: str, summary: RecordingSummary) -> bool:
    organisation = read_state(summary.path).get("metadata", {}).get("organisation") or None
    if organisation is None:  # an ad-hoc room outside the tree: city administrators only
        return policy.allowed(who, action, org_path=policy.UNOWNED)
    path = await domain.org_path(s, organisation)
    return policy.allowed(who, action, org_path=path or policy.UNOWNED)


def _trusted_key(request: web.Request) -> bytes:
    """The install's evidence public key (PEM): what "verified" is checked against."""
    data_dir = request.app[CONFIG].server.data_dir
    return public_key_pem(load_or_create_signing_key(data_dir).public_key())


def _verify_trusted(request: web.Request, path: Path) -> VerifyReport:
    return verify(path, trusted_key=_trusted_key(request))


def _json(summary: RecordingSummary, held: bool) -> dict[str, Any]:
    return {
        "id": summary.id,
        "room": summary.room,
        "state": summary.state,
        "startedAt": summary.started_at,
        "durationS": round(summary.duration_s, 1),
        "segments": summary.segments,
        "legalHold": held,
        "kind": summary.kind,
        "camera": summary.camera,
    }


def _hold_json(hold: RecordingHold) -> dict[str, Any]:
    return {"reason": hold.reason, "placedBy": hold.placed_by, "placedAt": str(hold.placed_at)}


async def _reason(request: web.Request) -> str:
    return text(await body(request), "reason", max_len=500)


async def _find(
    request: web.Request, s: AsyncSession, who: Subject, action: str
) -> RecordingSummary:
    wanted = request.match_info["recording_id"]
    found = next((r for r in list_recordings(_root(request)) if r.id == wanted), None)
    if found is None or found.id in await deleted_ids(s):
        raise DomainError("not_found", "录像不存在 / no such recording", 404)
    if not await _may(s, who, action, found):
        raise DomainError("forbidden", "无权查看此录像 / not allowed", 403)
    return found


async def list_(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    policy.authorize(who, policy.RECORDING_VIEW)
    case_id = request.query.get("caseId")
    gone = await deleted_ids(s)
    visible = [
        r
        for r in list_recordings(_root(request))
        if (case_id is None or r.case_id == case_id)
        and r.id not in gone
        and await _may(s, who, policy.RECORDING_VIEW, r)
    ]
    held = await held_ids(s)
    await audit_access(
        request,
        s,
        actor=who.id,
        action="recording.list",
        target="recordings",
        detail={"ids": [r.id for r in visible]},
    )
    return web.json_response([_json(r, r.id in held) for r in visible])


async def get(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_VIEW)
    report = await asyncio.to_thread(_verify_trusted, request, found.path)
    hold = await hold_of(s, found.id)
    rules = await retention.policy_for(request.app, s, found.organisation)
    await audit_access(
        request, s, actor=who.id, action="recording.view", target=f"recording:{found.id}"
    )
    return web.json_response(
        {
            **_json(found, hold is not None),
            "hold": None
            if hold is None
            else {
                "reason": hold.reason,
                "placedBy": hold.placed_by,
                "placedAt": str(hold.placed_at),
            },
            "retentionDays": rules.retention_days,
            "deletableAfter": retention.deletable_after(found, rules),
            "verification": {
                # signed by this install's key, and every segment, link and the
                # signature intact; a self-consistent recording signed by another key is not
                "ok": report.verified,
                "keyFingerprint": report.key_fingerprint,
                "trustedKeyFingerprint": report.trusted_fingerprint,
                "keyTrusted": report.key_trusted is True,
                "firstBadSegment": report.first_bad_segment,
                "report": report.text("zh") + "\n\n" + report.text("en"),
            },
        }
    )


async def export(request: web.Request, s: AsyncSession, who: Subject | None) -> web.StreamResponse:
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_EXPORT)
    await audit_access(
        request, s, actor=who.id, action="recording.export", target=f"recording:{found.id}"
    )
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        out = Path(tmp) / f"{found.id}.zip"
        await asyncio.to_thread(export_recording, found.path, out, None, _trusted_key(request))
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


async def place_hold(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_HOLD)
    reason = await _reason(request)
    hold = await do_place_hold(s, who, found.id, found.organisation, reason, ip=request.remote)
    return web.json_response({"legalHold": True, "reason": hold.reason, "placedBy": hold.placed_by})


async def release_hold(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_HOLD)
    reason = await _reason(request)
    released = await do_release_hold(s, who, found.id, reason, ip=request.remote)
    return web.json_response({"legalHold": False, "released": released})


async def delete(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Delete by hand: only once retention has passed and no hold is on it
    (audited first, then the files go: signaling.retention)."""
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_DELETE)
    reason = await _reason(request)
    rules = await retention.policy_for(request.app, s, found.organisation)
    refused = retention.refusal(found, rules, await hold_of(s, found.id) is not None, time.time())
    if refused is not None:
        raise refused
    await s.commit()  # ends the read (nothing written) before the deletion's own units
    gone = await retention.delete(
        request.app, found, actor=who.id, reason=reason, policy=rules, ip=request.remote
    )
    return web.json_response({"deleted": gone})


def _record(directory: Path) -> dict[str, Any]:
    """The signed manifest once sealed, else the working state (still recording)."""
    manifest = directory / MANIFEST_FILE
    if manifest.is_file():
        data: dict[str, Any] = json.loads(manifest.read_bytes())
        return data
    state = read_state(directory)
    meta = state.get("metadata", {})
    return {**state, "participants": meta.get("participants", [])}


_MEDIA_TYPES = {
    ("video", ".webm"): "video/webm",
    ("audio", ".webm"): "audio/webm",
    ("video", ".jpg"): "image/jpeg",  # a camera snapshot's picture
}


async def tracks(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Every track with its segments placed on one session clock (the timing map:
    a participant's audio and video as captured, everyone on the hub's clock)."""
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_VIEW)
    record = await asyncio.to_thread(_record, found.path)
    timeline = Timeline(record)
    people = {p["id"]: p for p in record.get("participants", [])}
    out = []
    for track_id, track in sorted(record.get("tracks", {}).items()):
        segments = [seg for seg in record.get("segments", []) if seg["track"] == track_id]
        if not segments:
            continue
        person = people.get(track.get("participant_id") or "", {})
        out.append(
            {
                "id": track_id,
                "kind": track["kind"],
                "codec": track["codec"],
                "container": track.get("container", "mpegts"),
                "participantId": track.get("participant_id"),
                "name": person.get("name", ""),
                "role": person.get("role", ""),
                "source": track.get("app_data", {}).get("source"),
                "alignedBy": "sender-clock" if timeline.uses_sender_clock(track_id) else "arrival",
                "segments": [
                    {
                        "seq": seg["seq"],
                        "file": seg["file"],
                        "start": timeline.segment_start(seg),
                        "duration": seg["duration"],
                        "url": f"{request.path.rsplit('/', 1)[0]}/segments/{seg['file']}",
                    }
                    for seg in sorted(segments, key=lambda seg: seg["first_ts"])
                ],
            }
        )
    await audit_access(
        request, s, actor=who.id, action="recording.play", target=f"recording:{found.id}"
    )
    return web.json_response({"id": found.id, "state": found.state, "tracks": out})


async def segment(request: web.Request, s: AsyncSession, who: Subject | None) -> web.StreamResponse:
    """One original segment file, byte for byte (Range requests supported)."""
    assert who is not None
    found = await _find(request, s, who, policy.RECORDING_VIEW)
    name = request.match_info["file"]
    record = await asyncio.to_thread(_record, found.path) if SEGMENT_FILE.match(name) else {}
    listed = {seg["file"]: seg for seg in record.get("segments", [])}
    if name not in listed:
        raise DomainError("not_found", "录像中没有此片段 / no such segment in this recording", 404)
    kind = record.get("tracks", {}).get(listed[name]["track"], {}).get("kind", "video")
    suffix = Path(name).suffix
    return web.FileResponse(
        found.path / name,
        headers={
            "Content-Type": _MEDIA_TYPES.get((kind, suffix), "video/mp2t"),
            "Cache-Control": "private, max-age=3600",
        },
    )
