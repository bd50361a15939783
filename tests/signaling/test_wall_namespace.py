"""Walls end to end at the protocol level: a real hub, REST for the operator,
python-socketio screens on /wall with real aiortc subscribe connections, and aiortc
publishers in the rooms the walls show."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import select

from command_center import walls
from command_center.screen_credentials import screen_token
from rooms.demo import DemoCity, seed_demo_city
from rooms.domain import do_create_user
from rooms.models import AuditEntry
from rooms.policy import Subject
from signaling.keys import DATABASE
from tests.media.fixtures import PacketTrack, encoded_video
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.wall_client import WallClient


@dataclass
class Command:
    hub: Hub
    demo: DemoCity
    rooms: dict[str, str]  # title -> room id
    tokens: dict[str, str]  # principal -> bearer token
    http: aiohttp.ClientSession

    async def call(self, who: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(
            method,
            f"{self.hub.url.rstrip('/')}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        ) as response:
            return response.status, await response.json()

    async def wall(self, who: str = "command", screens: int = 2, layout: str = "3x3") -> Any:
        status, wall = await self.call(
            who, "POST", "/walls", {"name": "指挥大厅", "screens": screens, "layout": layout}
        )
        assert status == 201, wall
        return wall


@pytest.fixture
async def command(hub: Hub) -> Any:
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
    rooms = {}
    async with hub.app[DATABASE].transaction() as s:
        for title, org in (
            ("东一", "east-1"),
            ("东二", "east-2"),
            ("东三", "east-1"),
            ("西一", "west-1"),
        ):
            rooms[title] = (await case_room(s, demo, org, title=title)).id
        east_command = await do_create_user(
            s,
            username="command-east",
            display_name="东城指挥员",
            role="command",
            organisation=demo.orgs["east"],
            password_hash="x",
            actor="test",
        )
    demo.users["command-east"] = east_command
    tokens = {
        who: await staff_token(hub.app, demo.users[who])
        for who in ("command", "command-east", "city-admin", "mediator-east")
    }
    async with aiohttp.ClientSession() as http:
        yield Command(hub, demo, rooms, tokens, http)


def secret_of(url: str) -> str:
    return url.split("#key=")[1]


async def screen_client(
    hub: Hub, clients: list[ProtocolClient], wall: dict[str, Any], number: int
) -> WallClient:
    url = wall["screens"][number - 1]["url"]
    client = WallClient(hub.url, screen_token(wall["id"], number, secret_of(url)))
    clients.append(client)
    await client.connect()
    ack = await client.sync()
    assert ack["ok"], ack
    return client


async def publisher(hub: Hub, clients: list[ProtocolClient], room: str, name: str) -> str:
    """A party with a camera in the room; returns its video producer's id."""
    client = ProtocolClient(hub.url, hub.token(room, name=name, sub=f"p-{name}"))
    clients.append(client)
    await client.connect()
    assert (await client.join())["ok"]
    ack = await client.publish([PacketTrack("video", encoded_video("libvpx"))])
    return str(ack["producers"][0]["id"])


async def until(predicate: Callable[[], bool], limit: float = 5.0) -> float:
    """Seconds until predicate() holds (polled every 10 ms); TimeoutError after limit."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit:
            raise TimeoutError
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def test_screens_show_rooms_and_follow_a_move_within_a_second(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    wall = await command.wall()
    room = command.rooms["东一"]
    producers = [await publisher(hub, clients, room, n) for n in ("张三", "李四")]
    status, _ = await command.call(
        "command", "PUT", f"/walls/{wall['id']}/screens/1/tiles/5", {"kind": "room", "roomId": room}
    )
    assert status == 200
    one = await screen_client(hub, clients, wall, 1)
    two = await screen_client(hub, clients, wall, 2)
    tile = one.tile(5)["shown"]
    assert tile["live"] and tile["label"]["caseTitle"] == "东一"
    assert tile["label"]["organisation"] == "东城街道花园社区"
    assert {p["name"] for p in tile["participants"]} == {"张三", "李四"}
    assert sorted(one.shown_producers(5)) == sorted(producers)
    for producer in producers:
        await one.frames_from(producer, at_least=5)

    started = time.monotonic()
    status, _ = await command.call(
        "command",
        "POST",
        f"/walls/{wall['id']}/swap",
        {"from": {"screen": 1, "tile": 5}, "to": {"screen": 2, "tile": 1}},
    )
    assert status == 200
    await until(lambda: bool(two.state["tiles"][0].get("shown")), limit=1.0)
    await until(lambda: not one.tile(5).get("shown"), limit=1.0)
    seen_after = time.monotonic() - started
    assert seen_after < 1.0, seen_after
    assert sorted(two.shown_producers(1)) == sorted(producers)
    for producer in producers:
        await two.frames_from(producer, at_least=5)
    assert one.state["visible"] and not one.shown_producers(5)

    # a third participant joins the room: the tile follows
    third = await publisher(hub, clients, room, "王五")
    await until(lambda: third in two.shown_producers(1), limit=2.0)
    await two.frames_from(third, at_least=3)

    async with hub.app[DATABASE].session() as s:
        actions = [
            a.action
            for a in await s.scalars(
                select(AuditEntry).where(AuditEntry.target == f"wall:{wall['id']}")
            )
        ]
    assert actions == ["wall.create", "wall.tile.put", "wall.tile.swap"]


async def test_a_townships_command_staff_keeps_to_its_township(command: Command) -> None:
    wall = await command.wall("command-east", screens=1, layout="2x2")
    put = f"/walls/{wall['id']}/screens/1/tiles/1"
    ok, _ = await command.call(
        "command-east", "PUT", put, {"kind": "room", "roomId": command.rooms["东一"]}
    )
    assert ok == 200
    status, body = await command.call(
        "command-east", "PUT", put, {"kind": "room", "roomId": command.rooms["西一"]}
    )
    assert status == 403 and body["error"]["code"] == "forbidden"
    # nor in a tour, nor through the city's command staff onto the township's wall
    status, _ = await command.call(
        "command-east",
        "PUT",
        put,
        {"kind": "tour", "dwellS": 5, "items": [{"kind": "room", "roomId": command.rooms["西一"]}]},
    )
    assert status == 403
    status, body = await command.call(
        "command", "PUT", put, {"kind": "room", "roomId": command.rooms["西一"]}
    )
    assert status == 403 and "wall" in body["error"]["message"]
    # the city's wall isn't the township's to see or change
    city = await command.wall("command", screens=1)
    status, _ = await command.call("command-east", "GET", f"/walls/{city['id']}")
    assert status == 403
    status, listed = await command.call("command-east", "GET", "/walls")
    assert [w["id"] for w in listed] == [wall["id"]]
    # the console's tree: the township's organisations, rooms and registry cameras only
    cameras = {}
    for org, name in (("east-1", "东门"), ("west-1", "西门")):
        status, made = await command.call(
            "city-admin",
            "POST",
            "/cameras",
            {
                "organisationId": command.demo.orgs[org].id,
                "name": name,
                "rtspUrl": "rtsp://10.1.2.3:554/Streaming/Channels/101",
            },
        )
        assert status == 201, made
        cameras[name] = made["id"]
    status, tree = await command.call("command-east", "GET", "/command/tree")
    names = {o["name"] for o in tree["organisations"]}
    assert "西城镇" not in names and "东城街道" in names
    rooms = {r["id"]: r for o in tree["organisations"] for r in o["rooms"]}
    assert command.rooms["东一"] in rooms and command.rooms["西一"] not in rooms
    assert rooms[command.rooms["东一"]]["recording"] is False
    listed = [c for o in tree["organisations"] for c in o["cameras"]]
    assert [(c["id"], c["name"]) for c in listed] == [(cameras["东门"], "东门")]


async def test_a_revoked_screen_credential_closes_the_screen(
    command: Command, clients: list[ProtocolClient]
) -> None:
    wall = await command.wall(screens=1)
    screen = await screen_client(command.hub, clients, wall, 1)
    status, _ = await command.call("command", "DELETE", f"/walls/{wall['id']}/screens/1/credential")
    assert status == 403  # administrators only
    status, _ = await command.call(
        "city-admin", "DELETE", f"/walls/{wall['id']}/screens/1/credential"
    )
    assert status == 200
    await screen.wait_event("screen-revoked", limit=2)
    await screen.wait_disconnected(limit=2)
    again = WallClient(command.hub.url, screen.token)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect()
    status, issued = await command.call(
        "city-admin", "POST", f"/walls/{wall['id']}/screens/1/credential"
    )
    assert status == 201
    fresh = WallClient(command.hub.url, screen_token(wall["id"], 1, secret_of(issued["url"])))
    clients.append(fresh)
    await fresh.connect()
    assert (await fresh.sync())["ok"]


async def test_a_change_made_by_another_process_reaches_screens(
    command: Command, clients: list[ProtocolClient]
) -> None:
    """As `mediation-hub wall put` does: a unit of work in the database, no socket."""
    hub = command.hub
    wall = await command.wall(screens=1)
    screen = await screen_client(hub, clients, wall, 1)
    room = command.rooms["东二"]

    async def put(s: Any) -> None:
        operator = Subject(
            id="cli", name="cli", role="admin", org_path=command.demo.orgs["city"].path
        )
        stored, path = await walls.access_wall_by_id(s, operator, wall["id"], for_update=True)
        screen_row = await walls.screen_of(s, stored, 1)
        content = await walls.check_source(s, operator, path, {"kind": "room", "roomId": room})
        await walls.do_put_tile(s, operator, stored, path, screen_row, 2, content)

    started = time.monotonic()
    await hub.app[DATABASE].run(put)
    await until(lambda: bool(screen.tile(2).get("shown")), limit=1.0)
    assert time.monotonic() - started < 1.0
    assert screen.tile(2)["shown"]["label"]["caseTitle"] == "东二"


async def test_tiles_take_nothing_unless_visible(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    wall = await command.wall(screens=1, layout="2x2")
    a, b = command.rooms["东一"], command.rooms["东二"]
    pa = await publisher(hub, clients, a, "甲")
    pb = await publisher(hub, clients, b, "乙")
    for tile, room in ((1, a), (2, b)):
        await command.call(
            "command",
            "PUT",
            f"/walls/{wall['id']}/screens/1/tiles/{tile}",
            {"kind": "room", "roomId": room},
        )
    screen = await screen_client(hub, clients, wall, 1)
    await screen.frames_from(pa, at_least=3)
    await screen.frames_from(pb, at_least=3)
    hidden = await screen.request("visible", {"tiles": []})
    assert hidden["ok"] and hidden["visible"] == []
    live = hub.app[walls_key()].screens[0]
    assert live.consumers == []
    await screen.request("visible", {"tiles": [1, 2, 3, 4]})
    assert {c.producer_id for c in live.consumers} == {pa, pb}
    assert [c.preferred_layer for c in live.consumers] == [0, 0]  # grid tiles: the low layer
    await command.call("command", "PUT", f"/walls/{wall['id']}/screens/1/enlarged", {"tile": 2})
    await until(lambda: screen.state["visible"] == [2], limit=1.0)
    assert {c.producer_id for c in live.consumers} == {pb}
    assert [c.preferred_layer for c in live.consumers] == [None]  # enlarged: the highest
    bad = await screen.request("visible", {"tiles": "all"})
    assert bad["error"]["code"] == "bad_request"


def walls_key() -> Any:
    from signaling.keys import LIVE_WALLS

    return LIVE_WALLS


async def test_a_tile_tour_starts_the_next_stream_before_it_is_shown(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    wall = await command.wall(screens=1, layout="1")
    order = ["东一", "东二", "东三"]
    produced = {
        t: await publisher(hub, clients, command.rooms[t], f"人{i}") for i, t in enumerate(order)
    }
    status, body = await command.call(
        "command",
        "PUT",
        f"/walls/{wall['id']}/screens/1/tiles/1",
        {
            "kind": "tour",
            "dwellS": 5,
            "items": [{"kind": "room", "roomId": command.rooms[t]} for t in order],
        },
    )
    assert status == 200, body
    status, body = await command.call(
        "command",
        "PUT",
        f"/walls/{wall['id']}/screens/1/tiles/1",
        {"kind": "tour", "dwellS": 2, "items": []},
    )
    assert status == 400 and body["error"]["code"] == "bad_tour"
    screen = await screen_client(hub, clients, wall, 1)
    tour = screen.tile(1)["tour"]
    assert tour["index"] == 0 and tour["steps"] == 3
    assert screen.shown_producers(1) == [produced["东一"]]
    # from prefetchAt the next room's stream runs, hidden, before the switch
    await asyncio.sleep(max(0.0, tour["prefetchAt"] - time.time()) + 0.1)
    await screen.sync()
    upcoming = screen.tile(1)["upcoming"]
    assert [p["producerId"] for p in upcoming["producers"]] == [produced["东二"]]
    await screen.frames_from(produced["东二"], at_least=3)
    assert time.time() < tour["switchAt"]
    await asyncio.sleep(max(0.0, tour["switchAt"] - time.time()) + 0.05)
    await screen.sync()
    assert screen.shown_producers(1) == [produced["东二"]]
    assert screen.tile(1)["tour"]["index"] == 1
    # paused: it stays
    await command.call(
        "command",
        "POST",
        f"/walls/{wall['id']}/screens/1/tour-control",
        {"action": "pause", "tile": 1},
    )
    await until(lambda: screen.tile(1)["tour"]["paused"], limit=1.0)
    assert screen.tile(1)["tour"]["switchAt"] is None
