"""What the server tells a page the user may do (the signaling `join` answer's
`permissions`, a case's `allowedTransitions` and `permissions`) is exactly what the
server then allows: checked against the authorisation matrices' own tables."""

from __future__ import annotations

import aiohttp

from rooms import domain
from rooms.demo import seed_demo_city
from rooms.models import Case
from rooms.policy import Subject
from rooms.tokens import issue
from signaling.keys import DATABASE, TOKEN_SECRET
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_event_authz import EVENTS, MODERATORS
from tests.signaling.test_rest_authz import ALLOWED, STAFF
from tests.signaling.test_room_namespace import _connected

CASE = "/api/v1/cases/{case_id}"
# what a case's `permissions` names -> the route it opens (the REST matrix's key)
CASE_ACTIONS = {
    "case.transition": ("POST", f"{CASE}/transition"),
    "room.create": ("POST", f"{CASE}/rooms"),
    "invitation.create": ("POST", "/api/v1/rooms/{room_id}/invitations"),
    "recording.view": ("GET", "/api/v1/recordings"),
}


async def test_join_answer_names_what_the_participant_may_do(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    secret = hub.app[TOKEN_SECRET]
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        room = await case_room(s, demo, "east-1")
    tokens = {
        "party-here": issue(secret, sub="p", name="张三", role="party", room=room.id, ttl_s=600),
        **{
            who: await staff_token(hub.app, demo.users[who])
            for who in ("mediator-east", "city-admin")
        },
        "command": await staff_token(hub.app, demo.users["command"]),
    }
    assert set(tokens) == EVENTS["join"]
    for principal, token in tokens.items():
        client = await _connected(hub, clients, token)
        joined = await client.request("join", {"room": room.id})
        assert joined["ok"], (principal, joined)
        expected = []
        if principal in MODERATORS:
            expected.append("room.moderate")
        if principal in EVENTS["end-room"]:
            expected.append("room.end")
        if principal in EVENTS["camera-attach"]:
            expected.append("camera.attach")
        if principal in EVENTS["camera-ptz"]:
            expected.append("camera.control")
        if principal in EVENTS["camera-snapshot"]:
            expected.append("camera.capture")
        assert joined["permissions"] == expected, principal
        await client.close()


async def test_case_answer_names_its_next_statuses_and_actions(hub: Hub) -> None:
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        room = await case_room(s, demo, "east-1")
        case_id = room.case_id
        assert case_id is not None
    url = hub.url.rstrip("/") + CASE.format(case_id=case_id)
    async with aiohttp.ClientSession() as http:
        for principal in STAFF:
            token = await staff_token(hub.app, demo.users[principal])
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(url, headers=headers) as r:
                assert r.status == 200, principal
                case = await r.json()
            may_move = principal in ALLOWED[CASE_ACTIONS["case.transition"]]
            assert case["allowedTransitions"] == (["accepted"] if may_move else []), principal
            expected = [a for a, route in CASE_ACTIONS.items() if principal in ALLOWED[route]]
            assert case["permissions"] == expected, principal

        # at the end of its road a case may go nowhere, whoever asks
        async with hub.app[DATABASE].transaction() as s:
            stored = await s.get(Case, case_id)
            assert stored is not None
            admin = demo.users["city-admin"]
            boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
            path = demo.orgs["east-1"].path
            await domain.do_assign_case(s, boss, stored, path, demo.users["mediator-east"].id)
            for to in ("accepted", "assigned", "mediating", "failed", "archived"):
                stored = await domain.do_transition_case(s, boss, stored, to)
        headers = {"Authorization": f"Bearer {await staff_token(hub.app, admin)}"}
        async with http.get(url, headers=headers) as r:
            case = await r.json()
        assert case["status"] == "archived" and case["allowedTransitions"] == []
