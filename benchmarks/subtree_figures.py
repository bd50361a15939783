"""What the statistics screen's figures cost, same run, on one SQLite database:

  grouped: rooms.statistics.subtree_statistics (one GROUP BY per figure, the
           organisations of the subtree loaded, no case or participant row);
  rows:    the same figures computed in Python from every case, participant and
           camera row of the subtree (what a naive endpoint would do).

A city of the demo's six organisations with `cases` cases, `sessions` sessions of
three people each (over the last 60 days) and cameras. Prints the median time of
each over several runs and the ratio rows/grouped. Many wall screens poll every
10 s: a figure per viewer and poll.

    python benchmarks/subtree_figures.py [--smoke] [--runs N] [--cases C] [--sessions S]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.db import Database, init_schema
from rooms.demo import seed_demo_city
from rooms.models import Camera, Case, Organisation, Participant, Room, new_id
from rooms.policy import Subject
from rooms.statistics import CST, OPEN_STATUSES, subtree_statistics

STATUSES = ("received", "accepted", "assigned", "mediating", "agreed", "failed", "archived")
SEVERITIES = ("green", "yellow", "orange", "red")


async def seed(database: Database, cases: int, sessions: int) -> Subject:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    async with database.transaction() as s:
        demo = await seed_demo_city(s)
        orgs = [o.id for o in demo.orgs.values()]
        await s.execute(
            insert(Case),
            [
                {
                    "id": new_id(), "number": f"B{i:08d}", "type": "邻里纠纷", "title": "t",
                    "organisation_id": rng.choice(orgs), "severity": rng.choice(SEVERITIES),
                    "status": rng.choice(STATUSES), "parties": [], "version": 1,
                    "created_at": now, "updated_at": now,
                }
                for i in range(cases)
            ],
        )  # fmt: skip
        rooms = [
            {
                "id": new_id(),
                "name": f"bench-{i}",
                "state": "ended",
                "organisation_id": rng.choice(orgs),
            }
            for i in range(sessions)
        ]
        await s.execute(insert(Room), rooms)
        people = []
        for room in rooms:
            start = now - dt.timedelta(minutes=rng.uniform(10, 60 * 24 * 60))
            for n in range(3):
                people.append({
                    "id": new_id(), "room_id": room["id"], "subject": f"p{n}", "display_name": "x",
                    "role": "party", "joined_at": start + dt.timedelta(minutes=n),
                    "left_at": start + dt.timedelta(minutes=rng.uniform(5, 90)),
                })  # fmt: skip
        await s.execute(insert(Participant), people)
        await s.execute(
            insert(Camera),
            [
                {"id": new_id(), "organisation_id": rng.choice(orgs), "name": f"c{i}",
                 "source": "rtsp", "rtsp_url": "rtsp://x/", "created_by": "bench",
                 "state": rng.choice(("online", "offline", "idle"))}
                for i in range(max(10, cases // 100))
            ],
        )  # fmt: skip
        city = demo.orgs["city"]
    return Subject(id="bench", name="指挥中心", role="command", org_path=city.path)


async def grouped(s: AsyncSession, who: Subject) -> tuple[int, int, int]:
    stats = await subtree_statistics(s, who, days=14)
    return stats.cases_open, stats.sessions_total, stats.cameras["online"]


async def rows(s: AsyncSession, who: Subject) -> tuple[int, int, int]:
    """The same three headline figures from every row of the subtree."""
    prefix = who.org_path or "\0"
    orgs = set(await s.scalars(select(Organisation.id).where(Organisation.path.startswith(prefix))))
    open_cases = sum(
        1
        for c in await s.scalars(select(Case))
        if c.organisation_id in orgs and c.status in OPEN_STATUSES
    )
    rooms = {r.id for r in await s.scalars(select(Room)) if r.organisation_id in orgs}
    starts: dict[str, dt.datetime] = {}
    for p in await s.scalars(select(Participant)):
        if p.room_id in rooms:
            at = p.joined_at if p.joined_at.tzinfo else p.joined_at.replace(tzinfo=dt.UTC)
            starts[p.room_id] = min(starts.get(p.room_id, at), at)
    today = dt.datetime.now(CST).date()
    first = dt.datetime.combine(today - dt.timedelta(days=13), dt.time(), CST)
    sessions = sum(1 for at in starts.values() if at >= first)
    cameras = sum(
        1
        for c in await s.scalars(select(Camera))
        if c.organisation_id in orgs and c.state == "online"
    )
    return open_cases, sessions, cameras


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=5_000)
    args = parser.parse_args()
    runs, cases, sessions = (2, 300, 100) if args.smoke else (args.runs, args.cases, args.sessions)
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{tmp}/bench.db")
        await init_schema(database.engine)
        who = await seed(database, cases, sessions)
        times: dict[str, list[float]] = {"grouped": [], "rows": []}
        answers = {}
        for _ in range(runs):
            for name, way in (("grouped", grouped), ("rows", rows)):
                async with database.session() as s:
                    began = time.perf_counter()
                    answers[name] = await way(s, who)
                    times[name].append(time.perf_counter() - began)
        await database.close()
    assert answers["grouped"] == answers["rows"], answers  # the same figures either way
    print(f"statistics of a city: {cases} cases, {sessions} sessions x 3 people (median of {runs})")
    for name, spent in times.items():
        print(f"  {name:<8} {statistics.median(spent) * 1000:8.1f} ms")
    ratio = statistics.median(times["rows"]) / max(statistics.median(times["grouped"]), 1e-6)
    print(f"ratio rows/grouped: {ratio:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
