"""Invitations in a live room: revoking one ends its seats and refuses rejoin; a
single-use link opened on a second device takes the seat only after the first
device is told; guests and observers; invitees always consent themselves."""

from __future__ import annotations

from typing import Any

import aiohttp

from hub.app import HUB_CONFIG
from rooms.demo import DEMO_PASSWORD, DemoCity, seed_demo_city
from rooms.models import Room
from rooms.policy import Subject
from rooms.recording_policy import do_set_recording_policy
from rooms.tokens import verify
from signaling.keys import DATABASE, TOKEN_SECRET
from tests.media.fixtures import PacketTrack, encoded_opus
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_room_namespace import _connected


async def _world(hub: Hub, *, required: bool = False) -> tuple[DemoCity, Room]:
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        if required:
            admin = demo.users["city-admin"]
            boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
            await do_set_recording_policy(
                s, boss, demo.orgs["east"].id, required=True, retention_days=None
            )
        room = await case_room(s, demo, "east-1")
    return demo, room


async def _rest(hub: Hub, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        login = await http.post(
            f"{hub.url}api/v1/login", json={"username": "mediator-east", "password": DEMO_PASSWORD}
        )
        token = (await login.json())["token"]
        async with http.request(
            method,
            f"{hub.url}{path.lstrip('/')}",
            headers={"Authorization": f"Bearer {token}"},
            **kw,
        ) as response:
            return response.status, await response.json()


async def _invite(hub: Hub, room: Room, name: str, role: str = "party", uses: int = 1) -> str:
    status, body = await _rest(
        hub,
        "POST",
        f"/api/v1/rooms/{room.id}/invitations",
        json={"name": name, "role": role, "maxUses": uses},
    )
    assert status == 201, body
    return body["url"].rsplit("/", 1)[1]


async def test_revoking_ends_the_seat_and_refuses_rejoin(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    demo, room = await _world(hub)
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    assert (await mediator.join(room=room.id))["ok"]
    link = await _invite(hub, room, "张三")
    party = await _connected(hub, clients, link)
    joined = await party.join()
    assert joined["ok"], joined
    party_id = joined["self"]["id"]
    invitation_id = verify(hub.app[TOKEN_SECRET], link).inv

    status, body = await _rest(hub, "POST", f"/api/v1/invitations/{invitation_id}/revoke")
    assert status == 200 and body["revokedAt"]
    told = await party.wait_event("removed")
    assert told == {"reason": "invitation_revoked"}
    left = await mediator.wait_event("participant-left", lambda d: d["participantId"] == party_id)
    assert left["reason"] == "removed"
    await party.wait_disconnected()

    # whoever used the link before can't come back, on the page or the socket
    again = await _connected(hub, clients, link)
    refused = await again.join()
    assert refused["error"]["code"] == "invitation_revoked"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hub.url}api/v1/join/{link}") as response:
            assert response.status == 403
            assert (await response.json())["error"]["code"] == "invitation_revoked"


async def test_a_second_device_takes_the_seat_only_after_the_first_is_told(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    _, room = await _world(hub)
    link = await _invite(hub, room, "张三")
    phone = await _connected(hub, clients, link)
    first = await phone.join()
    assert first["ok"]
    other = await _connected(hub, clients, link)
    second = await other.join()
    assert second["ok"] and second["self"]["id"] == first["self"]["id"]
    told = await phone.wait_event("seat-taken")
    assert told["code"] == "seat_taken" and "another device" in told["message"]
    await phone.wait_disconnected()
    # the new device holds the seat
    assert (await other.request("subscribe"))["ok"]


async def test_guests_speak_observers_only_watch(hub: Hub, clients: list[ProtocolClient]) -> None:
    _, room = await _world(hub)
    guest = await _connected(hub, clients, await _invite(hub, room, "王专家", "guest"))
    observer = await _connected(hub, clients, await _invite(hub, room, "旁听", "observer"))
    assert (await guest.join())["self"]["role"] == "guest"
    assert (await observer.join())["self"]["role"] == "observer"
    published = await guest.publish([PacketTrack("audio", encoded_opus())])
    assert published["producers"]
    refused = await observer.request("publish", {"sdp": "v=0\r\n"})
    assert refused["error"]["code"] == "forbidden"
    await observer.negotiate()
    await observer.frames_from(published["producers"][0]["id"], at_least=5)
    # neither moderates
    assert (await guest.request("end-room"))["error"]["code"] == "forbidden"


async def test_a_cli_invited_mediator_consents_like_any_invitee(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    from hub.cmd_invite import create_invitation

    _, room = await _world(hub, required=True)
    path, _, _ = await create_invitation(
        hub.app[HUB_CONFIG], room.name, "临时调解员", "mediator", 600
    )
    mediator = await _connected(hub, clients, path.rsplit("/", 1)[1])
    refused = await mediator.join()
    assert refused["error"]["code"] == "consent_required"
    joined = await mediator.join(consent=True)
    assert joined["ok"] and joined["self"]["role"] == "mediator"
    assert [c["participantId"] for c in joined["consents"]] == [joined["self"]["id"]]
