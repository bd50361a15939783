"""Who gets into a room over socket.io: invitation links, staff by subtree."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from rooms import domain
from rooms.demo import seed_demo_city
from rooms.policy import Subject
from rooms.users import UserChanges, do_update_user
from signaling.keys import DATABASE, TOKEN_SECRET
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_room_namespace import _connected


async def test_invitations_and_staff_subtrees_decide_who_enters(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    secret = hub.app[TOKEN_SECRET]
    async with hub.app[DATABASE].session() as s:
        demo = await seed_demo_city(s)
        room = await case_room(s, demo, "east-1")
        link = await domain.do_create_invitation(s, room, name="张三", role="party", ttl_s=600)
        revoked = await domain.do_create_invitation(s, room, name="李四", role="party", ttl_s=600)
        await domain.do_revoke_invitation(s, revoked)
    staff = {key: staff_token(secret, u) for key, u in demo.users.items()}

    party = await _connected(hub, clients, domain.invitation_token(secret, link))
    assert (await party.join())["ok"]
    await party.sio.disconnect()  # the phone reloads: the same link still works
    again = await _connected(hub, clients, domain.invitation_token(secret, link))
    assert (await again.join())["ok"]

    refused = await _connected(hub, clients, domain.invitation_token(secret, revoked))
    assert (await refused.join())["error"]["code"] == "invitation_revoked"

    for key, allowed in (
        ("mediator-east", True),
        ("command", True),
        ("city-admin", True),
        ("mediator-west", False),
        ("intake", False),
    ):
        client = await _connected(hub, clients, staff[key])
        ack = await client.join(room=room.id)
        assert ack["ok"] is allowed, (key, ack)
        if not allowed:
            assert ack["error"]["code"] == "forbidden"


async def test_disabled_staff_and_unchanged_admin_passwords_cant_connect(hub: Hub) -> None:
    """A staff login's token opens no socket once its user is disabled, nor while the
    user must change a password an administrator set."""
    secret = hub.app[TOKEN_SECRET]
    async with hub.app[DATABASE].session() as s:
        demo = await seed_demo_city(s)
        admin = demo.users["city-admin"]
        boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
        await do_update_user(s, boss, demo.users["mediator-east"], UserChanges(active=False))
        await do_update_user(
            s, boss, demo.users["reviewer"], UserChanges(password="管理员设置的密码-2026")
        )
    for key, code in (
        ("mediator-east", "account_disabled"),
        ("reviewer", "password_change_required"),
    ):
        sio = socketio.AsyncClient(reconnection=False)
        refused: list[Any] = []
        sio.on("connect_error", refused.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await sio.connect(
                hub.url,
                auth={"token": staff_token(secret, demo.users[key])},
                transports=["websocket"],
            )
        assert refused and refused[0]["data"]["code"] == code, (key, refused)
