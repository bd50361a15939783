"""GET /api/v1/statistics: the figures of one's subtree, right on a seeded city;
a township sees its own only; parties and strangers are refused; a bad `days`
gets a clear 400; a room going live shows at once."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession

from hub.app import build_app
from hub.config import Config
from rooms import actions, cameras, domain
from rooms.credentials import CredentialBox
from rooms.demo import DemoCity, seed_demo_city
from rooms.models import Participant
from rooms.policy import Subject
from signaling.keys import CAMERA_BOX, DATABASE
from tests.pg import create_database, postgres_cluster
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_rest_authz import record_briefly

NOW = dt.datetime.now(dt.UTC)
_names = itertools.count()


@pytest.fixture(scope="module")
def pg_prefix() -> Iterator[str]:
    with postgres_cluster() as prefix:
        yield prefix


@pytest.fixture(params=["sqlite", "postgresql"])
async def hub(
    request: pytest.FixtureRequest,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    hub_config: Config,
) -> Hub:
    """The hub on SQLite and on PostgreSQL (the day and length expressions differ)."""
    if request.param == "postgresql":
        prefix = request.getfixturevalue("pg_prefix")
        hub_config.database.url = await create_database(prefix, f"stats{next(_names)}")
    app = build_app(hub_config)
    return Hub(app=app, server=await aiohttp_server(app))


async def _session(
    s: AsyncSession, room: Any, start: dt.datetime, minutes: float | None, people: int = 2
) -> None:
    """A session of `room` that began at `start` and lasted `minutes` (None: still on)."""
    for n in range(people):
        p = await actions.do_add_participant(
            s, room, subject=f"p{n}-{room.id}", display_name=f"人{n}", role="party"
        )
        stored = await s.get(Participant, p.id)
        assert stored is not None
        stored.joined_at = start + dt.timedelta(minutes=n)
        stored.left_at = None if minutes is None else start + dt.timedelta(minutes=minutes)
    await s.flush()


async def _seed(hub: Hub, config: Config | None = None) -> tuple[DemoCity, dict[str, str]]:
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        admin = demo.users["city-admin"]
        boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
        east_1 = await case_room(s, demo, "east-1", "漏水")  # yellow, received
        east_2 = await case_room(s, demo, "east-2", "噪音")
        west_1 = await case_room(s, demo, "west-1", "宅基地")
        case = await s.get(domain.Case, east_2.case_id)
        assert case is not None
        case.severity, case.status = "red", "agreed"  # (its history is not what counts here)
        # sessions: east-1 today (30 min) and 3 days ago (10 min), east-2 now (ongoing),
        # west-1 yesterday (60 min); and one 40 days ago (outside a 14-day window)
        await _session(s, east_1, NOW - dt.timedelta(hours=1), 30)
        old = await actions.do_create_room(s, "东一旧会", actor="test")
        old.organisation_id = demo.orgs["east-1"].id
        await _session(s, old, NOW - dt.timedelta(days=3), 10)
        await _session(s, east_2, NOW - dt.timedelta(minutes=5), None)
        await _session(s, west_1, NOW - dt.timedelta(days=1), 60)
        ancient = await actions.do_create_room(s, "东一更旧", actor="test")
        ancient.organisation_id = demo.orgs["east-1"].id
        await _session(s, ancient, NOW - dt.timedelta(days=40), 20)
        box: CredentialBox = hub.app[CAMERA_BOX]
        states = {"east-1": "online", "east-2": "offline", "west-1": "online"}
        for org, state in states.items():
            camera = await cameras.do_create_camera(
                s, boss, box, organisation=demo.orgs[org], name=f"{org}门口",
                rtsp_url="rtsp://127.0.0.1:9/cam",
            )  # fmt: skip
            await cameras.do_record_camera_state(s, camera.id, state=state, detail="")
        await cameras.do_create_camera(
            s, boss, box, organisation=demo.orgs["east-1"], name="未拉流",
            rtsp_url="rtsp://127.0.0.1:9/idle",
        )  # fmt: skip
    rooms = {"east-1": east_1.id, "east-2": east_2.id, "west-1": west_1.id}
    if config is not None:  # a real (tiny) sealed recording of the east-1 room
        await record_briefly(config, east_1.name, demo.orgs["east-1"].id)
    return demo, rooms


async def _get(hub: Hub, token: str | None, query: str = "") -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hub.url}api/v1/statistics{query}", headers=headers) as response:
            return response.status, await response.json()


async def test_figures_of_the_city_and_of_a_township(
    hub: Hub, clients: list[ProtocolClient], hub_config: Config
) -> None:
    demo, rooms = await _seed(hub, hub_config)
    command = await staff_token(hub.app, demo.users["command"])
    status, city = await _get(hub, command)
    assert status == 200, city
    assert city["organisation"]["id"] == demo.orgs["city"].id
    assert city["casesTotal"] == 3 and city["casesOpen"] == 2
    assert city["casesByStatus"]["received"] == 2 and city["casesByStatus"]["agreed"] == 1
    assert city["casesByStatus"]["archived"] == 0  # every status, zeros too
    assert city["casesBySeverity"] == {"yellow": 2, "red": 1}
    orgs = {o["name"]: o for o in city["byOrganisation"]}
    assert set(orgs) == {"东城街道", "西城镇"}  # the city's direct children, subtree totals
    assert orgs["东城街道"]["cases"] == 2 and orgs["东城街道"]["openCases"] == 1
    assert orgs["西城镇"]["cases"] == 1
    assert orgs["东城街道"]["sessions"] == 3 and orgs["西城镇"]["sessions"] == 1
    days = city["sessionsPerDay"]
    assert (
        len(days) == 14
        and days[-1]["day"] == NOW.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    )
    assert sum(d["sessions"] for d in days) == 4 == city["sessionsTotal"]  # not the 40-day-old
    assert city["sessionsEnded"] == 3
    # (30 - 1) + (10 - 0) + (60 - 0) minutes from the first join to the last leave; /3
    # (the second person joined a minute later and left with the first)
    assert city["averageSessionS"] == pytest.approx((30 + 10 + 60) * 60 / 3, abs=1)
    assert city["cameras"] == {
        "total": 4,
        "online": 2,
        "offline": 1,
        "idle": 1,
        "byState": {"online": 2, "offline": 1, "idle": 1},
    }
    assert city["liveRooms"] == 0
    made = city["recordings"]
    assert made["count"] == 1 and made["inWindow"] == 1 and made["sizeBytes"] > 0

    status, wide = await _get(hub, command, "?days=90")
    assert status == 200 and len(wide["sessionsPerDay"]) == 90 and wide["sessionsTotal"] == 5

    # the east township's reviewer: its own subtree only, by its communities
    reviewer = await staff_token(hub.app, demo.users["reviewer"])
    status, east = await _get(hub, reviewer)
    assert status == 200
    assert east["organisation"]["id"] == demo.orgs["east"].id
    assert east["casesTotal"] == 2 and east["casesBySeverity"] == {"yellow": 1, "red": 1}
    assert {o["name"] for o in east["byOrganisation"]} == {"东城街道花园社区", "东城街道河畔社区"}
    assert east["sessionsTotal"] == 3
    assert east["cameras"]["total"] == 3 and east["cameras"]["offline"] == 1
    assert east["recordings"]["count"] == 1
    # (the west township has no recording: a west user would see 0; no such role in the demo)

    # a room goes live in the west: the city sees it at once, the east township doesn't
    party = ProtocolClient(hub.url, hub.token(rooms["west-1"], name="张三", sub="p-live"))
    clients.append(party)
    await party.connect()
    assert (await party.join())["ok"]
    status, city = await _get(hub, command)
    assert city["liveRooms"] == 1 and city["liveParticipants"] == 1
    assert {o["name"]: o["liveRooms"] for o in city["byOrganisation"]}["西城镇"] == 1
    status, east = await _get(hub, reviewer)
    assert east["liveRooms"] == 0


async def test_who_may_not_and_bad_days(hub: Hub) -> None:
    demo, rooms = await _seed(hub)
    command = await staff_token(hub.app, demo.users["command"])
    for bad in ("0", "91", "abc", "-3", "1.5"):
        status, body = await _get(hub, command, f"?days={bad}")
        assert status == 400, bad
        assert body["error"]["code"] == "bad_request" and "days" in body["error"]["message"]
    status, body = await _get(hub, None)
    assert status == 401
    status, body = await _get(hub, hub.token(rooms["east-1"]))  # a party of a room
    assert status == 403 and body["error"]["code"] == "forbidden"
    for who in ("mediator-east", "intake", "evaluator"):
        status, _ = await _get(hub, await staff_token(hub.app, demo.users[who]))
        assert status == 403, who
