"""Recordings over REST: list, look at (with a fresh verification), play (tracks
and original segments), export, legal hold, delete. Staff of the owning subtree
with a recording role only; every listing, look, play, export, hold and deletion
goes to the audit log."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, RootModel
from sqlalchemy.ext.asyncio import AsyncSession

from recorder import retention
from recorder.export import export_recording
from recorder.manifest import MANIFEST_FILE
from recorder.signing import load_or_create_signing_key, public_key_pem
from recorder.store import RecordingSummary, list_recordings, read_state, recordings_dir
from recorder.timing import Timeline
from recorder.verify import SEGMENT_FILE, VerifyReport, verify
from rooms import domain, policy
from rooms.domain import DomainError
from rooms.policy import Subject
from rooms.recording_policy import deleted_ids, do_place_hold, do_release_hold, held_ids, hold_of
from signaling.access_log import audit_access
from signaling.api.routing import API, Ctx, Route
from signaling.keys import RETENTION, SERVER
from signaling.models import Body, NoBody, NoQuery, Text500, Wire

RECORDING = f"{API}/recordings/{{recording_id}}"


class RecordingQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: str | None = Field(None, alias="caseId", max_length=64)


class RecordingOut(Wire):
    id: str
    room: str
    state: str
    started_at: float
    duration_s: float
    segments: int
    legal_hold: bool
    kind: str = "recording"  # or camera evidence: "snapshot", "clip"
    camera: str | None = None  # camera evidence: the camera's name

    @classmethod
    def fields_of(cls, summary: RecordingSummary, held: bool) -> dict[str, Any]:
        return {
            "id": summary.id,
            "room": summary.room,
            "state": summary.state,
            "started_at": summary.started_at,
            "duration_s": round(summary.duration_s, 1),
            "segments": summary.segments,
            "legal_hold": held,
            "kind": summary.kind,
            "camera": summary.camera,
        }


class RecordingList(RootModel[list[RecordingOut]]):
    pass


class HoldOut(Wire):
    reason: str
    placed_by: str
    placed_at: str


class Verification(Wire):
    # signed by this install's key, and every segment, link and the signature
    # intact; a self-consistent recording signed by another key is not
    ok: bool
    key_fingerprint: str | None
    trusted_key_fingerprint: str | None
    key_trusted: bool
    first_bad_segment: str | None
    report: str  # Chinese, then English


class RecordingDetail(RecordingOut):
    # what this viewer may do with this recording: the page shows only these
    permissions: list[str]
    hold: HoldOut | None
    retention_days: int | None
    deletable_after: float | None  # epoch seconds; null: never
    verification: Verification


class SegmentOut(Wire):
    seq: int
    file: str
    start: float
    duration: float
    url: str


class PauseOut(Wire):
    """A span the track's producer sent nothing because it was paused (a muted
    microphone, a camera turned off): Unix seconds; `to` null while still paused."""

    from_: float | None = Field(alias="from")
    to: float | None
    by: str  # "self" | "moderator"


class TrackOut(Wire):
    id: str
    kind: str
    codec: str
    container: str
    participant_id: str | None
    name: str
    role: str
    source: str | None
    aligned_by: str  # "sender-clock" | "arrival"
    # why the track has no media at some time: joined later, left, paused
    joined_at: float | None
    left_at: float | None
    pauses: list[PauseOut]
    segments: list[SegmentOut]


class TracksOut(Wire):
    id: str
    state: str
    tracks: list[TrackOut]


class ReasonBody(Body):
    reason: Text500


class HoldPlaced(Wire):
    legal_hold: bool
    reason: str
    placed_by: str


class HoldReleased(Wire):
    legal_hold: bool
    released: bool


class Deleted(Wire):
    deleted: dict[str, Any]  # what identified it: manifest hash, chain head, segments


def _root(app: web.Application) -> Path:
    return recordings_dir(app[SERVER].data_dir)


def _trusted_key(app: web.Application) -> bytes:
    """The install's evidence public key (PEM): what "verified" is checked against."""
    data_dir = app[SERVER].data_dir
    return public_key_pem(load_or_create_signing_key(data_dir).public_key())


def _verify_trusted(app: web.Application, path: Path) -> VerifyReport:
    return verify(path, trusted_key=_trusted_key(app))


async def _may(s: AsyncSession, who: Subject, action: str, summary: RecordingSummary) -> bool:
    organisation = read_state(summary.path).get("metadata", {}).get("organisation") or None
    if organisation is None:  # an ad-hoc room outside the tree: city administrators only
        return policy.allowed(who, action, org_path=policy.UNOWNED)
    path = await domain.org_path(s, organisation)
    return policy.allowed(who, action, org_path=path or policy.UNOWNED)


async def _find(ctx: Ctx[Any, Any], action: str) -> RecordingSummary:
    wanted = ctx.param("recording_id")
    found = next((r for r in list_recordings(_root(ctx.app)) if r.id == wanted), None)
    if found is None or found.id in await deleted_ids(ctx.session):
        raise DomainError("not_found", "录像不存在 / no such recording", 404)
    if not await _may(ctx.session, ctx.who, action, found):
        raise DomainError("forbidden", "无权查看此录像 / not allowed", 403)
    return found


async def list_(ctx: Ctx[NoBody, RecordingQuery]) -> RecordingList:
    who = ctx.who
    policy.authorize(who, policy.RECORDING_VIEW)
    case_id = ctx.query.case_id
    gone = await deleted_ids(ctx.session)
    visible = [
        r
        for r in list_recordings(_root(ctx.app))
        if (case_id is None or r.case_id == case_id)
        and r.id not in gone
        and await _may(ctx.session, who, policy.RECORDING_VIEW, r)
    ]
    held = await held_ids(ctx.session)
    await audit_access(
        ctx.request,
        ctx.session,
        actor=who.id,
        action="recording.list",
        target="recordings",
        detail={"ids": [r.id for r in visible]},
    )
    return RecordingList(
        [RecordingOut.model_validate(RecordingOut.fields_of(r, r.id in held)) for r in visible]
    )


_RECORDING_ACTIONS = (policy.RECORDING_EXPORT, policy.RECORDING_HOLD, policy.RECORDING_DELETE)


def _unix(value: Any) -> float | None:
    """An ISO 8601 time of the recording's state as Unix seconds (None if absent)."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


async def get(ctx: Ctx[NoBody, NoQuery]) -> RecordingDetail:
    found = await _find(ctx, policy.RECORDING_VIEW)
    report = await asyncio.to_thread(_verify_trusted, ctx.app, found.path)
    hold = await hold_of(ctx.session, found.id)
    rules = await ctx.app[RETENTION].policy_for(ctx.session, found.organisation)
    may = [str(a) for a in _RECORDING_ACTIONS if await _may(ctx.session, ctx.who, a, found)]
    await audit_access(
        ctx.request,
        ctx.session,
        actor=ctx.who.id,
        action="recording.view",
        target=f"recording:{found.id}",
    )
    return RecordingDetail.model_validate(
        {
            **RecordingOut.fields_of(found, hold is not None),
            "permissions": may,
            "hold": None
            if hold is None
            else HoldOut(
                reason=hold.reason, placed_by=hold.placed_by, placed_at=str(hold.placed_at)
            ),
            "retention_days": rules.retention_days,
            "deletable_after": retention.deletable_after(found, rules),
            "verification": Verification(
                ok=report.verified,
                key_fingerprint=report.key_fingerprint,
                trusted_key_fingerprint=report.trusted_fingerprint,
                key_trusted=report.key_trusted is True,
                first_bad_segment=report.first_bad_segment,
                report=report.text("zh") + "\n\n" + report.text("en"),
            ),
        }
    )


async def export(ctx: Ctx[NoBody, NoQuery]) -> web.StreamResponse:
    found = await _find(ctx, policy.RECORDING_EXPORT)
    await audit_access(
        ctx.request,
        ctx.session,
        actor=ctx.who.id,
        action="recording.export",
        target=f"recording:{found.id}",
    )
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        out = Path(tmp) / f"{found.id}.zip"
        key = _trusted_key(ctx.app)
        await asyncio.to_thread(export_recording, found.path, out, None, key)
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/zip",
                "Content-Disposition": f'attachment; filename="{found.id}.zip"',
            }
        )
        await response.prepare(ctx.request)
        with out.open("rb") as f:
            while chunk := f.read(1 << 20):
                await response.write(chunk)
        await response.write_eof()
        return response


async def place_hold(ctx: Ctx[ReasonBody, NoQuery]) -> HoldPlaced:
    found = await _find(ctx, policy.RECORDING_HOLD)
    hold = await do_place_hold(
        ctx.session, ctx.who, found.id, found.organisation, ctx.body.reason, ip=ctx.ip
    )
    return HoldPlaced(legal_hold=True, reason=hold.reason, placed_by=hold.placed_by)


async def release_hold(ctx: Ctx[ReasonBody, NoQuery]) -> HoldReleased:
    found = await _find(ctx, policy.RECORDING_HOLD)
    released = await do_release_hold(ctx.session, ctx.who, found.id, ctx.body.reason, ip=ctx.ip)
    return HoldReleased(legal_hold=False, released=released)


async def delete(ctx: Ctx[ReasonBody, NoQuery]) -> Deleted:
    """Delete by hand: only once retention has passed and no hold is on it
    (audited first, then the files go: recorder.retention)."""
    found = await _find(ctx, policy.RECORDING_DELETE)
    rules = await ctx.app[RETENTION].policy_for(ctx.session, found.organisation)
    held = await hold_of(ctx.session, found.id) is not None
    refused = retention.refusal(found, rules, held, time.time())
    if refused is not None:
        raise refused
    await ctx.session.commit()  # ends the read (nothing written) before the deletion's own units
    gone = await ctx.app[RETENTION].delete(
        found, actor=ctx.who.id, reason=ctx.body.reason, policy=rules, ip=ctx.ip
    )
    return Deleted(deleted=gone)


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


async def tracks(ctx: Ctx[NoBody, NoQuery]) -> TracksOut:
    """Every track with its segments placed on one session clock (the timing map:
    a participant's audio and video as captured, everyone on the hub's clock)."""
    found = await _find(ctx, policy.RECORDING_VIEW)
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
                "joinedAt": _unix(track.get("joined_at")),
                "leftAt": _unix(track.get("left_at")),
                "pauses": [
                    {"from": p.get("from"), "to": p.get("to"), "by": p.get("by", "self")}
                    for p in track.get("pauses", [])
                    if isinstance(p, dict)
                ],
                "segments": [
                    {
                        "seq": seg["seq"],
                        "file": seg["file"],
                        "start": timeline.segment_start(seg),
                        "duration": seg["duration"],
                        "url": f"{ctx.request.path.rsplit('/', 1)[0]}/segments/{seg['file']}",
                    }
                    for seg in sorted(segments, key=lambda seg: seg["first_ts"])
                ],
            }
        )
    await audit_access(
        ctx.request,
        ctx.session,
        actor=ctx.who.id,
        action="recording.play",
        target=f"recording:{found.id}",
    )
    return TracksOut.model_validate({"id": found.id, "state": found.state, "tracks": out})


async def segment(ctx: Ctx[NoBody, NoQuery]) -> web.StreamResponse:
    """One original segment file, byte for byte (Range requests supported)."""
    found = await _find(ctx, policy.RECORDING_VIEW)
    name = ctx.param("file")
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


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/recordings",
        "本辖区录像 / recordings of my subtree",
        list_,
        RecordingList,
        query=RecordingQuery,
    ),
    Route("GET", RECORDING, "录像与核验结果 / a recording, verified", get, RecordingDetail),
    Route(
        "GET",
        f"{RECORDING}/export",
        "导出证据包 / export the bundle",
        export,
        None,
        media_type="application/zip",
    ),
    Route(
        "GET",
        f"{RECORDING}/tracks",
        "回放：各轨道及其片段（统一时间轴）/ tracks and segments on one clock",
        tracks,
        TracksOut,
    ),
    Route(
        "GET",
        f"{RECORDING}/segments/{{file}}",
        "原始片段文件 / an original segment file",
        segment,
        None,
        media_type="video/webm",
    ),
    Route(
        "DELETE",
        RECORDING,
        "删除录像（保存期满且未保全）/ delete (retention passed, no hold)",
        delete,
        Deleted,
        body=ReasonBody,
    ),
    Route(
        "POST",
        f"{RECORDING}/hold",
        "法律保全 / place a legal hold",
        place_hold,
        HoldPlaced,
        body=ReasonBody,
        unit=True,
    ),
    Route(
        "DELETE",
        f"{RECORDING}/hold",
        "解除保全 / release the legal hold",
        release_hold,
        HoldReleased,
        body=ReasonBody,
        unit=True,
    ),
)
