"""Who gets into a room over socket.io: invitation links, staff by subtree."""

from __future__ import annotations

from typing import Any

import pytest
import socketio
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import domain
from rooms.demo import seed_demo_city
from rooms.models import User
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
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        room = await case_room(s, demo, "east-1")
        link = await domain.do_create_invitation(
            s, room, name="张三", role="party", ttl_s=600, inviter=None
        )
        revoked = await domain.do_create_invitation(
            s, room, name="李四", role="party", ttl_s=600, inviter=None
        )
        await domain.do_revoke_invitation(s, revoked, actor="test")
    staff = {key: await staff_token(hub.app, u) for key, u in demo.users.items()}

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
    """A staff login's token opens no socket once its user is disabled (its session
    ended), nor while the user must change a password an administrator set."""
    async with hub.app[DATABASE].session() as s:
        demo = await seed_demo_city(s)
    admin = demo.users["city-admin"]
    boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
    disabled = await staff_token(hub.app, demo.users["mediator-east"])

    async def update(key: str, changes: UserChanges) -> None:
        async def unit(s: AsyncSession) -> None:
            user = await s.get(User, demo.users[key].id)
            assert user is not None
            await do_update_user(s, boss, user, changes)

        await hub.app[DATABASE].run(unit)

    await update("mediator-east", UserChanges(active=False))
    await update("reviewer", UserChanges(password_hash="$argon2-not-checked-here"))
    must_change = await staff_token(hub.app, demo.users["reviewer"])  # logged in again
    for token, code in ((disabled, "session_ended"), (must_change, "password_change_required")):
        sio = socketio.AsyncClient(reconnection=False)
        refused: list[Any] = []
        sio.on("connect_error", refused.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await sio.connect(hub.url, auth={"token": token}, transports=["websocket"])
        assert refused and refused[0]["data"]["code"] == code, (code, refused)
