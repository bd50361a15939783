"""Alarms end to end: a party's connection drops, the operators of its subtree hear
it on /wall, the tile showing the room says so, an operator acknowledges it
(audited), and a wall's rule puts an alarming room on its tile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from rooms.models import AuditEntry
from signaling.keys import ALARMS, DATABASE
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub
from tests.signaling.test_wall_namespace import Command, command, screen_client, until
from tests.signaling.wall_client import WallClient

__all__ = ["command"]


async def test_a_dropped_party_raises_an_alarm_that_an_operator_acknowledges(
    command: Command, clients: list[ProtocolClient]
) -> None:
    hub: Hub = command.hub
    room = command.rooms["东一"]
    wall = await command.wall(screens=1, layout="2x2")
    status, _ = await command.call(
        "command",
        "PUT",
        f"/walls/{wall['id']}/alarm-rule",
        {"rule": {"screen": 1, "tile": 4, "minLevel": "orange"}},
    )
    assert status == 200
    screen = await screen_client(hub, clients, wall, 1)
    operators = {}
    for who in ("command", "command-east"):
        operators[who] = WallClient(hub.url, command.tokens[who])
        clients.append(operators[who])
        await operators[who].connect()
    # west's operator would hear nothing of an east room: only its own subtree
    party = ProtocolClient(hub.url, hub.token(room, name="张三", sub="p-drop"))
    clients.append(party)
    await party.connect()
    assert (await party.join())["ok"]
    await party.sio.disconnect()  # the phone lost its network

    for who in operators:
        alarm = await operators[who].wait_event("alarm", lambda a: a["clearedAt"] is None)
        assert alarm["kind"] == "participant_dropped" and alarm["roomId"] == room
        assert alarm["level"] == "orange" and alarm["detail"]["name"] == "张三"
    # the rule put the room on tile 4; the tile says what is wrong
    await until(lambda: bool(screen.tile(4).get("shown")), limit=2)
    await until(lambda: bool(screen.tile(4)["shown"]["alarms"]), limit=2)
    assert screen.tile(4)["shown"]["alarms"][0]["kind"] == "participant_dropped"
    assert screen.state["levelColours"]["orange"]

    status, listed = await command.call("command-east", "GET", "/alarms")
    assert status == 200 and [a["kind"] for a in listed] == ["participant_dropped"]
    status, _ = await command.call("mediator-east", "GET", "/alarms")
    assert status == 403
    alarm_id = listed[0]["id"]
    status, acked = await command.call("command-east", "POST", f"/alarms/{alarm_id}/ack")
    assert status == 200 and acked["ackedBy"] == command.demo.users["command-east"].id
    status, _ = await command.call("command", "POST", f"/alarms/{alarm_id}/ack")
    assert status == 409

    # the party comes back: cleared, and (acknowledged) no longer open
    back = ProtocolClient(hub.url, hub.token(room, name="张三", sub="p-drop"))
    clients.append(back)
    await back.connect()
    assert (await back.join())["ok"]
    await hub.app[ALARMS].drained()
    status, listed = await command.call("command", "GET", "/alarms")
    assert listed == []
    async with hub.app[DATABASE].session() as s:
        trail = [
            (e.actor, e.action)
            for e in await s.scalars(
                select(AuditEntry).where(AuditEntry.target == f"alarm:{alarm_id}")
            )
        ]
    east = command.demo.users["command-east"].id
    assert trail == [("monitor", "alarm.raise"), (east, "alarm.ack"), ("monitor", "alarm.clear")]
    async with hub.app[DATABASE].session() as s:
        rule_put = await s.scalar(
            select(AuditEntry).where(
                AuditEntry.target == f"wall:{wall['id']}", AuditEntry.action == "wall.tile.put"
            )
        )
    assert rule_put is not None and rule_put.actor == "alarm-rule"


async def test_alarm_rules_are_checked(command: Command) -> None:
    wall = await command.wall(screens=1, layout="2x2")
    path = f"/walls/{wall['id']}/alarm-rule"
    bad: list[Any] = [
        {"rule": {"screen": 2, "tile": 1, "minLevel": "red"}},
        {"rule": {"screen": 1, "tile": 5, "minLevel": "red"}},
        {"rule": {"screen": 1, "tile": 1, "minLevel": "purple"}},
        {"rule": "tile 1"},
    ]
    for body in bad:
        status, answer = await command.call("command", "PUT", path, body)
        assert status in (400, 404), (body, answer)
    status, answer = await command.call("command", "PUT", path, {"rule": None})
    assert status == 200 and answer["alarmRule"] is None
    status, _ = await command.call("mediator-east", "PUT", path, {"rule": None})
    assert status == 403
