"""Audited writes racing on purpose, over REST, on SQLite and on a real
PostgreSQL 15: no 5xx, every change exactly one audit entry, the chain verifies;
and a deletion interrupted between its audit entry and the files is finished
(or reported) by the next start."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.app import build_app
from hub.config import Config
from recorder.store import STATE_FILE, TRASH_DIR, list_recordings, recordings_dir
from rooms.audit import verify_audit_chain
from rooms.demo import DEMO_PASSWORD, DemoCity, seed_demo_city
from rooms.models import AuditEntry, RecordingDeletion
from rooms.recording_policy import do_begin_recording_deletion
from signaling.keys import DATABASE, RETENTION
from tests.pg import create_database, postgres_cluster
from tests.signaling.conftest import case_room
from tests.signaling.test_rest_authz import record_briefly

DAY = 86400.0
_names = itertools.count()


@pytest.fixture(scope="module")
def pg_prefix() -> Iterator[str]:
    with postgres_cluster() as prefix:
        yield prefix


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_config(request: pytest.FixtureRequest, hub_config: Config) -> Config:
    if request.param == "postgresql":
        prefix = request.getfixturevalue("pg_prefix")
        hub_config.database.url = await create_database(prefix, f"race{next(_names)}")
    return hub_config


@dataclass
class City:
    client: TestClient
    demo: DemoCity
    headers: dict[str, dict[str, str]]


@pytest.fixture
async def city(aiohttp_client: Callable[..., Any], db_config: Config) -> AsyncIterator[City]:
    app = build_app(db_config)
    client: TestClient = await aiohttp_client(app)
    async with app[DATABASE].session() as s:
        demo = await seed_demo_city(s)
    headers = {}
    for who in ("city-admin", "reviewer", "mediator-east"):
        response = await client.post(
            "/api/v1/login", json={"username": who, "password": DEMO_PASSWORD}
        )
        headers[who] = {"Authorization": f"Bearer {(await response.json())['token']}"}
    yield City(client, demo, headers)


def _age(config: Config, recording_id: str, days: float) -> None:
    path = recordings_dir(config.server.data_dir) / recording_id / STATE_FILE
    state = json.loads(path.read_text())
    state["started_at"] -= days * DAY
    state["ended_at"] = (state.get("ended_at") or state["updated_at"]) - days * DAY
    path.write_text(json.dumps(state))


async def _entries(city: City) -> list[AuditEntry]:
    async with city.client.server.app[DATABASE].session() as s:
        assert (await verify_audit_chain(s)).ok
        return list(await s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


async def test_fifty_concurrent_audited_writes_and_deletes(city: City, db_config: Config) -> None:
    app = city.client.server.app
    east = city.demo.orgs["east-1"].id
    async with app[DATABASE].transaction() as s:
        room = await case_room(s, city.demo, "east-1")
    # recordings past a 10-day retention: each deleted twice at once, and swept meanwhile
    await city.client.put(
        f"/api/v1/organisations/{east}/recording-policy",
        headers=city.headers["city-admin"],
        json={"retentionDays": 10},
    )
    old = [await record_briefly(db_config, f"旧{i}", east) for i in range(6)]
    for recording in old:
        _age(db_config, recording, 11)
    held = await record_briefly(db_config, "保全", east)

    def call(who: str, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        return city.client.request(method, url, headers=city.headers[who], json=body)

    calls = []
    for i in range(12):
        calls.append(
            call(
                "city-admin",
                "POST",
                "/api/v1/users",
                {
                    "username": f"race-{i}",
                    "name": f"并发{i}",
                    "role": "mediator",
                    "organisationId": east,
                    "password": "long-enough-1",
                },
            )
        )
    for i in range(10):
        calls.append(
            call(
                "mediator-east",
                "POST",
                "/api/v1/cases",
                {"organisationId": east, "type": "x", "title": f"案{i}", "severity": "red"},
            )
        )
    for i in range(10):
        calls.append(
            call(
                "mediator-east",
                "POST",
                f"/api/v1/rooms/{room.id}/invitations",
                {"name": f"当事人{i}", "role": "party"},
            )
        )
    for recording in old:  # twice each: one deletes, the other finds it gone
        for _ in range(2):
            calls.append(
                call("city-admin", "DELETE", f"/api/v1/recordings/{recording}", {"reason": "期满"})
            )
    calls.append(call("reviewer", "POST", f"/api/v1/recordings/{held}/hold", {"reason": "诉讼"}))
    for _ in range(5):
        calls.append(call("reviewer", "GET", f"/api/v1/recordings/{held}"))
    calls.append(call("mediator-east", "GET", "/api/v1/recordings"))
    assert len(calls) >= 50
    responses, swept = await asyncio.gather(asyncio.gather(*calls), app[RETENTION].sweep(now=None))
    statuses = Counter(r.status for r in responses)
    bodies = [await r.json() for r in responses]
    assert all(status < 500 for status in statuses), (statuses, bodies)

    entries = await _entries(city)
    by_target = Counter((e.action, e.target) for e in entries)
    made_users = [b["id"] for r, b in zip(responses, bodies, strict=True) if "username" in b]
    assert len(made_users) == 12
    for user_id in made_users:
        assert by_target[("user.create", f"user:{user_id}")] == 1
    cases = [b["id"] for b in bodies if "number" in b]
    assert len(cases) == 10
    for case_id in cases:
        assert by_target[("case.create", f"case:{case_id}")] == 1
    invitations = [b["id"] for b in bodies if "code" in b and "url" in b]
    assert len(invitations) == 10
    for invitation_id in invitations:
        assert by_target[("invitation.create", f"invitation:{invitation_id}")] == 1
    # every old recording deleted exactly once (by hand or by the sweep), files gone
    for recording in old:
        assert by_target[("recording.delete", f"recording:{recording}")] == 1, recording
    remaining = [r.id for r in list_recordings(recordings_dir(db_config.server.data_dir))]
    assert remaining == [held]
    assert by_target[("recording.hold", f"recording:{held}")] == 1
    assert by_target[("recording.view", f"recording:{held}")] == 5
    async with app[DATABASE].session() as s:
        deletions = list(await s.scalars(select(RecordingDeletion)))
    assert sorted(d.recording_id for d in deletions) == sorted(old)
    assert all(d.done_at is not None for d in deletions)
    print(f"statuses {dict(statuses)}, swept {len(swept)}, audit entries {len(entries)}")


async def test_an_interrupted_deletion_is_finished_at_the_next_start(
    aiohttp_client: Callable[..., Any], db_config: Config
) -> None:
    app = build_app(db_config)
    client: TestClient = await aiohttp_client(app)
    async with app[DATABASE].session() as s:
        demo = await seed_demo_city(s)
    east = demo.orgs["east-1"].id
    root = recordings_dir(db_config.server.data_dir)
    untouched = await record_briefly(db_config, "未动", east)
    half_moved = await record_briefly(db_config, "半删", east)
    stuck = await record_briefly(db_config, "删不掉", east)

    # a crash right after the audit entry committed: the files still all there
    async def begin(recording_id: str) -> None:
        await app[DATABASE].run(
            lambda s: do_begin_recording_deletion(
                s,
                recording_id,
                str(root / recording_id),
                actor="someone",
                detail={"reason": "测试"},
            )
        )

    await begin(untouched)
    # ... and one a crash caught half-way: moved aside, a segment already gone
    await begin(half_moved)
    (root / TRASH_DIR).mkdir()
    (root / half_moved).rename(root / TRASH_DIR / half_moved)
    next((root / TRASH_DIR / half_moved).glob("*.webm")).unlink()
    await client.close()

    # the next start finishes both
    again = build_app(db_config)
    client = await aiohttp_client(again)
    assert not (root / untouched).exists() and not (root / TRASH_DIR / half_moved).exists()
    assert [r.id for r in list_recordings(root)] == [stuck]
    admin = await client.post(
        "/api/v1/login", json={"username": "city-admin", "password": DEMO_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {(await admin.json())['token']}"}
    report = await (await client.get("/api/v1/audit/verify", headers=headers)).json()
    assert report["ok"] is True and report["pendingDeletions"] == []
    async with again[DATABASE].session() as s:
        done = {d.recording_id: d.done_at for d in await s.scalars(select(RecordingDeletion))}
        deletes = list(
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "recording.delete"))
        )
    assert set(done) == {untouched, half_moved} and all(done.values())
    assert sorted(e.target for e in deletes) == sorted(
        [f"recording:{untouched}", f"recording:{half_moved}"]
    )
    await client.close()

    # one that can't be finished is reported (and left pending for the next start)
    await begin_on(db_config, stuck)
    (root / TRASH_DIR).rmdir()
    (root / TRASH_DIR).write_text("in the way")
    third = build_app(db_config)
    client = await aiohttp_client(third)
    admin = await client.post(
        "/api/v1/login", json={"username": "city-admin", "password": DEMO_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {(await admin.json())['token']}"}
    report = await (await client.get("/api/v1/audit/verify", headers=headers)).json()
    assert report["ok"] is True
    assert [d["recordingId"] for d in report["pendingDeletions"]] == [stuck]
    status = await client.get(f"/api/v1/recordings/{stuck}", headers=headers)
    assert status.status == 404  # audited as deleted: not shown any more


async def begin_on(config: Config, recording_id: str) -> None:
    from rooms.db import Database

    database = Database(config.database_url)
    try:
        await database.run(
            lambda s: do_begin_recording_deletion(
                s,
                recording_id,
                str(recordings_dir(config.server.data_dir) / recording_id),
                actor="someone",
                detail={"reason": "测试"},
            )
        )
    finally:
        await database.close()


async def test_joins_and_leaves_race_with_rest_writes(city: City, db_config: Config) -> None:
    """socket.io writes (joins that redeem invitations, leaves) racing REST writes:
    every join and leave one audit entry, every ack ok."""
    from tests.signaling.client import ProtocolClient

    app = city.client.server.app
    east = city.demo.orgs["east-1"].id
    async with app[DATABASE].transaction() as s:
        room = await case_room(s, city.demo, "east-1")
    links = []
    for i in range(12):
        response = await city.client.post(
            f"/api/v1/rooms/{room.id}/invitations",
            headers=city.headers["mediator-east"],
            json={"name": f"当事人{i}", "role": "party"},
        )
        links.append((await response.json())["url"].rsplit("/", 1)[1])
    url = str(city.client.server.make_url("/"))
    parties = [ProtocolClient(url, link) for link in links]
    try:
        await asyncio.gather(*(p.connect() for p in parties))
        users = [
            city.client.post(
                "/api/v1/users",
                headers=city.headers["city-admin"],
                json={
                    "username": f"sock-{i}",
                    "name": f"用户{i}",
                    "role": "intake",
                    "organisationId": east,
                    "password": "long-enough-1",
                },
            )
            for i in range(12)
        ]
        joins, made = await asyncio.gather(
            asyncio.gather(*(p.join() for p in parties)), asyncio.gather(*users)
        )
        assert all(j["ok"] for j in joins), joins
        assert all(r.status == 201 for r in made)
        leaves = await asyncio.gather(*(p.request("leave") for p in parties))
        assert all(a["ok"] for a in leaves), leaves
    finally:
        for party in parties:
            await party.close()
    entries = await _entries(city)
    actions = Counter(e.action for e in entries if e.target == f"room:{room.id}")
    assert actions["participant.join"] == 12 and actions["participant.leave"] == 12
    assert Counter(e.action for e in entries)["user.create"] >= 12 + 7  # and the demo's
