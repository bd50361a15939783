"""The command center in a room: listening in hears one room only, barge-in is heard
with its notice, roll-calls and meetings ring offices who answer into the room; each
audited and kept to the operator's subtree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from rooms.models import AuditEntry
from signaling.keys import DATABASE
from tests.media.fixtures import PacketTrack, encoded_opus
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, staff_token
from tests.signaling.test_wall_namespace import Command, command
from tests.signaling.wall_client import WallClient

__all__ = ["command"]


async def talker(
    hub: Hub, clients: list[ProtocolClient], room: str, name: str
) -> tuple[ProtocolClient, str]:
    client = ProtocolClient(hub.url, hub.token(room, name=name, sub=f"p-{name}"))
    clients.append(client)
    await client.connect()
    assert (await client.join())["ok"]
    ack = await client.publish([PacketTrack("audio", encoded_opus())])
    return client, str(ack["producers"][0]["id"])


async def operator(hub: Hub, clients: list[ProtocolClient], token: str) -> WallClient:
    client = WallClient(hub.url, token)
    clients.append(client)
    await client.connect()
    return client


async def audit(hub: Hub, target: str) -> list[tuple[str, str]]:
    async with hub.app[DATABASE].session() as s:
        return [
            (e.actor, e.action)
            for e in await s.scalars(select(AuditEntry).where(AuditEntry.target == target))
        ]


async def test_listening_in_hears_that_room_only(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    a, b = command.rooms["东一"], command.rooms["东二"]
    _, voice_a = await talker(hub, clients, a, "甲")
    _, voice_b = await talker(hub, clients, b, "乙")
    ears = await operator(hub, clients, command.tokens["command-east"])
    heard = await ears.request("listen", {"room": a})
    assert heard["ok"] and heard["producers"] == [voice_a]
    await ears.negotiate()
    await ears.frames_from(voice_a, at_least=10)
    assert set(ears.mid_to_producer.values()) == {voice_a}
    # another room: the first one's sound stops, the second one's starts
    assert (await ears.request("listen", {"room": b}))["producers"] == [voice_b]
    await ears.negotiate()
    await ears.frames_from(voice_b, at_least=10)
    before = await ears.frames_from(voice_a, at_least=0)
    await ears.frames_from(voice_b, at_least=40)
    assert await ears.frames_from(voice_a, at_least=0) <= before + 2  # in flight at most
    # outside the subtree, and not for an office's staff
    west = await ears.request("listen", {"room": command.rooms["西一"]})
    assert west["error"]["code"] == "forbidden"
    office = await operator(hub, clients, command.tokens["mediator-east"])
    assert (await office.request("listen", {"room": a}))["error"]["code"] == "forbidden"
    assert (await ears.request("listen-stop", {}))["ok"]
    who = command.demo.users["command-east"].id
    assert [x for x in await audit(hub, f"room:{a}") if x[0] == who] == [
        (who, "room.listen.start"),
        (who, "room.listen.stop"),  # switched to the other room
    ]
    assert [x for x in await audit(hub, f"room:{b}") if x[0] == who] == [
        (who, "room.listen.start"),
        (who, "room.listen.stop"),
    ]


async def test_barge_in_is_heard_with_its_notice(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    room = command.rooms["东一"]
    party, _ = await talker(hub, clients, room, "甲")
    status, seat = await command.call("command-east", "POST", f"/rooms/{room}/seat")
    assert status == 200
    voice = ProtocolClient(hub.url, seat["url"].split("/join/")[1])
    clients.append(voice)
    await voice.connect()
    joined = await voice.join(room=room, bargeIn=True)
    assert joined["ok"] and joined["commandSpeaking"] == []
    mic = (await voice.publish([PacketTrack("audio", encoded_opus())]))["producers"][0]["id"]
    notice = await party.wait_event("command-speaking", lambda e: e["active"])
    assert notice["name"] == "东城指挥员" and notice["producerId"] == mic
    await party.negotiate()
    await party.frames_from(mic, at_least=10)
    # someone joining meanwhile sees it too
    late = ProtocolClient(hub.url, hub.token(room, name="乙", sub="p-乙"))
    clients.append(late)
    await late.connect()
    assert [n["producerId"] for n in (await late.join())["commandSpeaking"]] == [mic]
    await voice.request("leave", {})
    await party.wait_event("command-speaking", lambda e: not e["active"])
    # a mediator may not barge in; nor may the east operator into a west room
    status, seat = await command.call("mediator-east", "POST", f"/rooms/{room}/seat")
    mediator = ProtocolClient(hub.url, seat["url"].split("/join/")[1])
    clients.append(mediator)
    await mediator.connect()
    assert (await mediator.join(room=room, bargeIn=True))["error"]["code"] == "forbidden"
    who = command.demo.users["command-east"].id
    trail = [a for a in await audit(hub, f"room:{room}") if a[1].startswith("room.barge")]
    assert trail == [(who, "room.barge.start"), (who, "room.barge.stop")]


async def test_roll_call_rings_the_office_who_answers_into_its_room(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    east, west = command.demo.orgs["east"].id, command.demo.orgs["west"].id
    office = await operator(hub, clients, command.tokens["mediator-east"])
    console = await operator(hub, clients, command.tokens["command"])  # the operator console
    wall = await command.wall(screens=1, layout="2x2")
    status, call = await command.call(
        "command",
        "POST",
        "/calls",
        {
            "kind": "roll-call",
            "organisationIds": [east],
            "place": {"wall": wall["id"], "screen": 1, "tile": 3},
        },
    )
    assert status == 201, call
    assert call["roomName"].startswith("东城街道 值班室")
    ring = await office.wait_event("call", lambda c: c["id"] == call["id"])
    assert ring["kind"] == "roll-call" and ring["from"] == "指挥中心值班员"
    # the east operator can't roll-call the west township; a community can't answer it
    status, _ = await command.call(
        "command-east", "POST", "/calls", {"kind": "roll-call", "organisationIds": [west]}
    )
    assert status == 403
    status, answered = await command.call("mediator-east", "POST", f"/calls/{call['id']}/answer")
    assert status == 200
    # the console that rang hears the answer (the call's state: answered)
    heard = await console.wait_event("call-changed", lambda c: c["id"] == call["id"])
    assert east in heard["answered"] and not heard["ended"]
    seat = ProtocolClient(hub.url, answered["url"].split("/join/")[1])
    clients.append(seat)
    await seat.connect()
    assert (await seat.join())["ok"]
    status, wall_now = await command.call("command", "GET", f"/walls/{wall['id']}")
    assert wall_now["screens"][0]["tiles"]["3"]["roomId"] == call["roomId"]
    # the same standing room the next time
    status, again = await command.call(
        "command", "POST", "/calls", {"kind": "roll-call", "organisationIds": [east]}
    )
    assert again["roomId"] == call["roomId"]
    who = command.demo.users["mediator-east"].id
    trail = await audit(hub, f"call:{call['id']}")
    assert trail == [(command.demo.users["command"].id, "call.roll-call"), (who, "call.answer")]


async def test_a_meeting_rings_several_offices(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub = command.hub
    east, west = command.demo.orgs["east"].id, command.demo.orgs["west"].id
    offices = {}
    west_token = await staff_token(hub.app, command.demo.users["mediator-west"])
    offices["east"] = await operator(hub, clients, command.tokens["mediator-east"])
    offices["west"] = await operator(hub, clients, west_token)
    status, meeting = await command.call(
        "command",
        "POST",
        "/calls",
        {"kind": "meeting", "organisationIds": [east, west], "title": "周例会"},
    )
    assert status == 201 and meeting["roomName"].startswith("周例会")
    for side in offices:
        await offices[side].wait_event("call", lambda c: c["id"] == meeting["id"])
    seats: list[Any] = []
    for token in (command.tokens["mediator-east"], west_token):
        command.tokens["_"] = token
        status, answered = await command.call("_", "POST", f"/calls/{meeting['id']}/answer")
        assert status == 200
        seat = ProtocolClient(hub.url, answered["url"].split("/join/")[1])
        clients.append(seat)
        await seat.connect()
        seats.append(await seat.join())
    assert all(s["ok"] for s in seats) and len(seats[1]["participants"]) == 1
    status, ended = await command.call("command", "POST", f"/calls/{meeting['id']}/end")
    assert status == 200 and ended["ended"]
    await offices["west"].wait_event("call", lambda c: c["id"] == meeting["id"] and c["ended"])
