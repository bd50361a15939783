"""Who reaches what beyond the matrix (tests/signaling/test_rest_authz.py): the roles
an inviter may grant, tokens scoped to one room, recordings outside the tree."""

from __future__ import annotations

from hub.config import Config
from rooms.models import Room
from signaling.keys import DATABASE
from tests.signaling.test_rest_authz import (  # noqa: F401  (world: the fixture)
    ALLOWED,
    PRINCIPALS,
    World,
    record_briefly,
    world,
)

INVITATION_ROLES = {"party", "guest", "observer"}  # room-scoped: never a staff role
ALL_ROLES = ("admin", "intake", "mediator", "reviewer", "evaluator", "command", *INVITATION_ROLES)


async def test_invitation_roles_are_limited_to_what_the_inviter_may_grant(world: World) -> None:  # noqa: F811
    wrong = []
    for principal in PRINCIPALS:
        token = world.tokens.get(principal, "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for role in ALL_ROLES:
            response = await world.client.post(
                f"/api/v1/rooms/{world.ids['east']['room_id']}/invitations",
                headers=headers,
                json={"name": "专家", "role": role},
            )
            may_invite = principal in ALLOWED[("POST", "/api/v1/rooms/{room_id}/invitations")]
            want = 201 if may_invite and role in INVITATION_ROLES else (401, 403)
            if response.status != want and response.status not in (
                want if isinstance(want, tuple) else ()
            ):
                wrong.append(f"{principal} -> {role}: {response.status}")
            if may_invite and role not in INVITATION_ROLES:
                code = (await response.json())["error"]["code"]
                if code != "role_not_grantable":
                    wrong.append(f"{principal} -> {role}: {code}")
    assert wrong == [], wrong


async def test_room_scoped_tokens_reach_their_room_only(world: World, hub_config: Config) -> None:  # noqa: F811
    """An invitation (or CLI mediator) token opens its room and nothing else over
    REST: no cases, no recordings, no other room."""
    from hub.cmd_invite import create_invitation

    app = world.client.server.app
    async with app[DATABASE].session() as s:
        room = await s.get(Room, world.ids["east"]["room_id"])
        assert room is not None
    path, _, _ = await create_invitation(hub_config, room.name, "临时调解员", "mediator", 600)
    cli_mediator = {"Authorization": f"Bearer {path.rsplit('/', 1)[1]}"}
    for method, url in (
        ("GET", "/api/v1/recordings"),
        ("GET", f"/api/v1/recordings/{world.ids['east']['recording_id']}"),
        ("GET", "/api/v1/cases"),
        ("GET", f"/api/v1/cases/{world.ids['east']['case_id']}"),
        ("POST", f"/api/v1/rooms/{world.ids['west']['room_id']}/end"),
        ("POST", f"/api/v1/rooms/{world.ids['west']['room_id']}/invitations"),
    ):
        response = await world.client.request(
            method, url, headers=cli_mediator, json={"name": "x", "role": "party"}
        )
        assert response.status == 403, (url, response.status)
    # in its own room it may invite parties, not staff
    own = f"/api/v1/rooms/{room.id}/invitations"
    ok = await world.client.post(own, headers=cli_mediator, json={"name": "甲", "role": "party"})
    assert ok.status == 201
    refused = await world.client.post(
        own, headers=cli_mediator, json={"name": "乙", "role": "mediator"}
    )
    assert refused.status == 403


async def test_recordings_outside_the_tree_are_for_city_administrators(
    world: World,  # noqa: F811
    hub_config: Config,
) -> None:
    admin = {"Authorization": f"Bearer {world.tokens['city-admin']}"}
    made = await world.client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "east-admin",
            "name": "东城管理员",
            "role": "admin",
            "organisationId": world.ids["east"]["org"],
            "password": "long-enough-1",
        },
    )
    assert made.status == 201
    # a township administrator: the east community sits in its subtree
    login = await world.client.post(
        "/api/v1/login", json={"username": "east-admin", "password": "long-enough-1"}
    )
    township = {"Authorization": f"Bearer {(await login.json())['token']}"}
    changed = await world.client.post(  # the administrator chose it: the user changes it first
        "/api/v1/me/password",
        headers=township,
        json={"current": "long-enough-1", "new": "东城管理员自己的密码"},
    )
    assert changed.status == 200
    adhoc = await record_briefly(hub_config, "临时会议", "")
    listed = await (await world.client.get("/api/v1/recordings", headers=admin)).json()
    assert adhoc in [r["id"] for r in listed]
    theirs = await (await world.client.get("/api/v1/recordings", headers=township)).json()
    assert adhoc not in [r["id"] for r in theirs]
    assert world.ids["east"]["recording_id"] in [r["id"] for r in theirs]
    for url in (f"/api/v1/recordings/{adhoc}", f"/api/v1/recordings/{adhoc}/export"):
        assert (await world.client.get(url, headers=township)).status == 403
        assert (await world.client.get(url, headers=admin)).status == 200
