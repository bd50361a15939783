"""The waiting room over the real protocol: a party of a case room waits until the
mediator admits it (or turns it away); a required recording starts when the first
party is admitted, not before; the organisation setting turns the lobby off."""

from __future__ import annotations

from sqlalchemy import select

from recorder.store import list_recordings, recordings_dir
from rooms.demo import seed_demo_city
from rooms.lobby import do_set_waiting_room
from rooms.models import AuditEntry, Organisation, Room
from rooms.policy import Subject
from rooms.recording_policy import do_set_recording_policy
from signaling.keys import DATABASE, ROOMS_SETTINGS, SERVER
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, Town, case_room, staff_token


async def _case_room(hub: Hub, *, required: bool = False) -> tuple[Room, str, Subject]:
    hub.app[ROOMS_SETTINGS].waiting_room = True  # the product's default (tests turn it off)
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s, password_hash="x")
    room = await hub.app[DATABASE].run(lambda s: case_room(s, demo, "east-1"))
    admin = demo.users["city-admin"]
    boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
    if required:
        await hub.app[DATABASE].run(
            lambda s: do_set_recording_policy(
                s, boss, demo.orgs["east"].id, required=True, retention_days=None
            )
        )
    mediator = await staff_token(hub.app, demo.users["mediator-east"])
    return room, mediator, boss


async def _connected(hub: Hub, clients: list[ProtocolClient], token: str) -> ProtocolClient:
    client = ProtocolClient(hub.url, token)
    clients.append(client)
    await client.connect()
    return client


def _recordings(hub: Hub, room: Room) -> list[object]:
    root = recordings_dir(hub.app[SERVER].data_dir)
    return list_recordings(root, room=room.name)


async def test_party_waits_until_admitted_and_nothing_is_recorded_before(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room, mediator_token, _ = await _case_room(hub, required=True)
    mediator = await _connected(hub, clients, mediator_token)
    joined = await mediator.join(room=room.id)
    assert joined["ok"] and joined["waiting"] == [] and not joined["recording"]["active"]

    party = await _connected(hub, clients, hub.token(room.id, name="张三", sub="inv-p1"))
    held = await party.join(consent=True)
    assert held["ok"] and held["waiting"] is True and "participants" not in held
    entry = await mediator.wait_event("waiting")
    assert entry["name"] == "张三"
    assert not _recordings(hub, room)  # a mediator alone and a party waiting: nothing
    assert not any(p for p in mediator.events.get("participant-joined", []))

    # parties may not admit; unknown ids are refused
    other = await _connected(hub, clients, hub.token(room.id, name="李四", sub="inv-p2"))
    assert (await other.join(consent=True))["waiting"] is True
    assert (await other.request("admit", {"waitingId": entry["id"]}))["error"][
        "code"
    ] == "not_joined"
    assert (await mediator.request("admit", {"waitingId": "nope"}))["error"]["code"] == "not_found"

    assert (await mediator.request("admit", {"waitingId": entry["id"]}))["ok"]
    await party.wait_event("admitted")
    await mediator.wait_event("waiting-left", lambda e: e["id"] == entry["id"])
    entered = await party.join(consent=True)
    assert (entered["ok"] and "waiting" not in entered) or entered.get("waiting") is not True
    assert entered["recording"]["active"], "the required recording starts with the first party"
    assert len(_recordings(hub, room)) == 1

    # the second one is turned away: told, disconnected, audited
    second = next(e for e in (await mediator.wait_event("waiting", lambda e: e["name"] == "李四"),))
    assert (await mediator.request("turn-away", {"waitingId": second["id"]}))["ok"]
    await other.wait_event("turned-away")
    await other.wait_disconnected()
    async with hub.app[DATABASE].session() as db:
        actions = [
            a.action
            for a in await db.scalars(
                select(AuditEntry).where(AuditEntry.action.like("participant.%"))
            )
        ]
    assert "participant.admit" in actions and "participant.turn_away" in actions

    # the admitted party reconnects (a reload): no waiting again
    await party.close()
    again = await _connected(hub, clients, hub.token(room.id, name="张三", sub="inv-p1"))
    assert (await again.join(consent=True)).get("waiting") is not True


async def test_a_waiting_party_that_leaves_leaves_the_lobby(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room, mediator_token, _ = await _case_room(hub)
    party = await _connected(hub, clients, hub.token(room.id, name="张三", sub="inv-p1"))
    assert (await party.join(consent=True))["waiting"] is True
    mediator = await _connected(hub, clients, mediator_token)
    joined = await mediator.join(room=room.id)
    assert [e["name"] for e in joined["waiting"]] == ["张三"]  # waiting before the mediator came
    await party.close()
    await mediator.wait_event("waiting-left", lambda e: e["reason"] == "left")


async def test_the_organisation_can_turn_the_lobby_off(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room, _mediator_token, boss = await _case_room(hub)
    async with hub.app[DATABASE].session() as db:
        org_id = (await db.get(Room, room.id)).organisation_id  # type: ignore[union-attr]
        org = await db.get(Organisation, org_id)
        assert org is not None
    await hub.app[DATABASE].run(lambda s: do_set_waiting_room(s, boss, org_id, False))
    party = await _connected(hub, clients, hub.token(room.id, name="张三", sub="inv-p1"))
    ack = await party.join(consent=True)
    assert ack["ok"] and ack.get("waiting") is not True and ack["self"]["name"] == "张三"


async def test_waiting_room_setting_over_rest(town: Town) -> None:
    east, east1 = town.orgs["east"], town.orgs["east-1"]
    url = f"/api/v1/organisations/{east1}/waiting-room"
    status, body = await town.call("city-admin", "GET", url)
    assert status == 200 and body == {
        "organisationId": east1,
        "waitingRoom": None,
        "effective": False,
    }
    status, body = await town.call(
        "city-admin",
        "PUT",
        f"/api/v1/organisations/{east}/waiting-room",
        json={"waitingRoom": True},
    )
    assert status == 200 and body["effective"] is True
    status, body = await town.call("city-admin", "GET", url)
    assert body["effective"] is True and body["waitingRoom"] is None  # inherited from the township
    status, body = await town.call("mediator-east", "PUT", url, json={"waitingRoom": False})
    assert status == 403  # mediators don't manage organisations
    status, body = await town.call("city-admin", "PUT", url, json={"waitingRoom": "yes"})
    assert status == 400
