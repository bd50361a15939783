"""The statistics screen's data: GET /api/v1/statistics?days=N, the figures of my
subtree (rooms.statistics), the rooms live now on this hub (LIVE_ROOMS), and the
recordings made (the recordings directory, summed off the event loop and kept
for a few seconds: many wall screens poll this)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, Field

from recorder.store import list_recordings, recordings_dir
from rooms.recording_policy import deleted_ids
from rooms.statistics import MAX_DAYS, subtree_statistics
from signaling.api.routing import API, Ctx, Route, iso
from signaling.keys import LIVE_ROOMS, SERVER
from signaling.models import NoBody, Wire

TALLY_TTL_S = 5.0


class StatisticsQuery(BaseModel):
    days: int = Field(14, ge=1, le=MAX_DAYS)  # sessions per day over the last N days


class OrgFiguresOut(Wire):
    id: str
    name: str
    live_rooms: int
    cases: int
    open_cases: int
    sessions: int


class DayCount(Wire):
    day: str  # YYYY-MM-DD, China Standard Time
    sessions: int


class CamerasOut(Wire):
    total: int
    online: int
    offline: int
    idle: int  # not pulled now (nobody watches), or connecting
    by_state: dict[str, int]


class RecordingsOut(Wire):
    count: int
    duration_s: float
    size_bytes: int
    in_window: int  # of them, started in the last `days` days


class StatisticsOut(Wire):
    organisation: dict[str, str]
    days: int
    generated_at: str | None
    live_rooms: int
    live_participants: int
    cases_total: int
    cases_open: int
    cases_by_status: dict[str, int]
    cases_by_severity: dict[str, int]
    by_organisation: list[OrgFiguresOut]
    sessions_per_day: list[DayCount]
    sessions_total: int
    sessions_ended: int
    average_session_s: float | None
    recordings: RecordingsOut
    cameras: CamerasOut


@dataclass(frozen=True)
class _Made:
    id: str
    organisation: str | None
    started_at: float
    duration_s: float
    size_bytes: int


class RecordingTally:
    """The recordings on disk, summed (a thread reads them; kept TALLY_TTL_S)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: tuple[float, list[_Made]] | None = None
        self._lock = asyncio.Lock()

    async def made(self) -> list[_Made]:
        async with self._lock:
            now = time.monotonic()
            if self._made is None or now - self._made[0] > TALLY_TTL_S:
                self._made = (now, await asyncio.to_thread(_read, self.root))
            return self._made[1]


def _read(root: Path) -> list[_Made]:
    out = []
    for r in list_recordings(root):
        if r.kind != "recording":
            continue  # camera evidence (snapshots, clips) is not a session's recording
        try:
            size = sum(f.stat().st_size for f in r.path.iterdir() if f.is_file())
        except OSError:
            size = 0
        out.append(_Made(r.id, r.organisation, r.started_at, r.duration_s, size))
    return out


RECORDING_TALLY: web.AppKey[RecordingTally] = web.AppKey("recording_tally", RecordingTally)


def setup(app: web.Application) -> None:
    app[RECORDING_TALLY] = RecordingTally(recordings_dir(app[SERVER].data_dir))


async def statistics(ctx: Ctx[NoBody, StatisticsQuery]) -> StatisticsOut:
    live = {
        room.id: len(room.participants) for room in ctx.app[LIVE_ROOMS].rooms if not room.closed
    }
    days = ctx.query.days
    stats = await subtree_statistics(ctx.session, ctx.who, days=days, live_rooms=live)
    gone = await deleted_ids(ctx.session)
    since = (stats.generated_at - dt.timedelta(days=days)).timestamp()
    made = [
        r
        for r in await ctx.app[RECORDING_TALLY].made()
        if r.organisation in stats.organisation_ids and r.id not in gone
    ]
    return StatisticsOut(
        organisation=stats.organisation,
        days=stats.days,
        generated_at=iso(stats.generated_at),
        live_rooms=stats.live_rooms,
        live_participants=stats.live_participants,
        cases_total=stats.cases_total,
        cases_open=stats.cases_open,
        cases_by_status=stats.cases_by_status,
        cases_by_severity=stats.cases_by_severity,
        by_organisation=[OrgFiguresOut.model_validate(vars(o)) for o in stats.by_organisation],
        sessions_per_day=[DayCount(day=d, sessions=n) for d, n in stats.sessions_per_day],
        sessions_total=stats.sessions_total,
        sessions_ended=stats.sessions_ended,
        average_session_s=stats.average_session_s,
        recordings=RecordingsOut(
            count=len(made),
            duration_s=round(sum(r.duration_s for r in made), 1),
            size_bytes=sum(r.size_bytes for r in made),
            in_window=sum(1 for r in made if r.started_at >= since),
        ),
        cameras=CamerasOut.model_validate(stats.cameras),
    )


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/statistics",
        "本辖区统计 / statistics of my subtree",
        statistics,
        StatisticsOut,
        query=StatisticsQuery,
    ),
)

__all__ = ["RECORDING_TALLY", "ROUTES", "RecordingTally", "setup"]
