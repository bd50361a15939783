"""Authorisation matrix for socket.io events: every event x principal, expected
outcome written here; fails if the namespace grows an event the table lacks."""

from __future__ import annotations

from typing import Any

import socketio

from command_center import walls
from command_center.screen_credentials import hash_secret, screen_token
from rooms import cameras
from rooms.demo import seed_demo_city
from rooms.policy import Subject
from rooms.tokens import issue
from signaling.keys import CAMERA_BOX, DATABASE, TOKEN_SECRET
from signaling.room_namespace import RoomNamespace
from signaling.wall_namespace import WallNamespace
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_room_namespace import _connected
from tests.signaling.wall_client import WallClient

# principals allowed to join this (east) room
JOIN = {"party-here", "mediator-east", "city-admin", "command"}
MODERATORS = {"mediator-east", "city-admin"}
ANY_JOINED = JOIN
CAMERA_STAFF = {"mediator-east", "city-admin", "command"}  # attach, detach, steer cameras
CAPTURE = {"mediator-east", "city-admin"}  # take evidence from a camera
EVENTS: dict[str, set[str]] = {
    "join": JOIN,
    "publish": ANY_JOINED,
    "subscribe": ANY_JOINED,
    "subscribe-answer": ANY_JOINED,
    "mute": ANY_JOINED,
    "unmute": ANY_JOINED,
    "keyframe": ANY_JOINED,
    "set-preferred-layer": ANY_JOINED,
    "consent": ANY_JOINED,
    "leave": ANY_JOINED,
    "mute-participant": MODERATORS,
    "record-consent": MODERATORS,
    "record-start": MODERATORS,
    "record-stop": MODERATORS,
    "remove-participant": MODERATORS,
    "end-room": MODERATORS,
    "camera-list": CAMERA_STAFF,
    "camera-attach": CAMERA_STAFF,
    "camera-share": MODERATORS,
    "camera-ptz": CAMERA_STAFF,
    "camera-snapshot": CAPTURE,
    "camera-clip-start": CAPTURE,
    "camera-clip-stop": CAPTURE,
    "camera-detach": CAMERA_STAFF,
    "raise-hand": ANY_JOINED,
    "chat": ANY_JOINED,
    "allow-speak": MODERATORS,
    "minutes": MODERATORS,
    "admit": MODERATORS,
    "turn-away": MODERATORS,
    "agreement-draft": MODERATORS,
    "agreement-propose": MODERATORS,
    "agreement-sign": ANY_JOINED,  # then refused unless one is a signer of that agreement
    "feedback-request": MODERATORS,
    "feedback": {"party-here"},  # parties (and guests) give feedback
}
PRINCIPALS = (
    "party-here",
    "party-elsewhere",
    "mediator-east",
    "mediator-west",
    "city-admin",
    "command",
    "intake",
)
DENIED = {"forbidden", "not_joined"}


def test_every_event_is_in_the_table() -> None:
    namespace = RoomNamespace.__new__(RoomNamespace)
    RoomNamespace.__init__(namespace, app={})  # type: ignore[arg-type]
    assert set(namespace.events) == set(EVENTS)


async def test_event_authorisation_matrix(hub: Hub, clients: list[ProtocolClient]) -> None:
    secret = hub.app[TOKEN_SECRET]
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        rooms = {
            side: await case_room(s, demo, org, title=side)
            for side, org in (("east", "east-1"), ("west", "west-1"))
        }
        admin = demo.users["city-admin"]
        camera = await cameras.do_create_camera(
            s,
            Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path),
            hub.app[CAMERA_BOX],
            organisation=demo.orgs["east-1"],
            name="东门",
            rtsp_url="rtsp://127.0.0.1:9/nothing-listens-here",
        )
    here = rooms["east"].id

    async def token(principal: str) -> str:
        if principal.startswith("party"):
            room = here if principal == "party-here" else rooms["west"].id
            return issue(secret, sub=principal, name=principal, role="party", room=room, ttl_s=600)
        return await staff_token(hub.app, demo.users[principal])

    # a party in the room, as the target of moderation events
    target = await _connected(
        hub, clients, issue(secret, sub="target", name="目标", role="party", room=here, ttl_s=600)
    )
    target_id = (await target.join())["self"]["id"]

    payloads: dict[str, dict[str, Any]] = {
        "join": {"room": here},
        "publish": {"sdp": "v=0\r\n"},
        "subscribe-answer": {"sdp": "v=0\r\n"},
        "mute": {"producerId": "none"},
        "unmute": {"producerId": "none"},
        "keyframe": {"producerId": "none"},
        "set-preferred-layer": {"producerId": "none", "layer": "low"},
        "consent": {"accepted": True},
        "mute-participant": {"participantId": target_id, "kind": "audio"},
        "record-consent": {"participantId": target_id},
        "remove-participant": {"participantId": "nobody"},
        "camera-attach": {"cameraId": camera.id},
        "camera-share": {"cameraId": camera.id, "shared": True},
        "camera-ptz": {"cameraId": camera.id, "pan": 1},
        "camera-detach": {"cameraId": camera.id},
        "camera-snapshot": {"cameraId": camera.id},
        "camera-clip-start": {"cameraId": camera.id},
        "camera-clip-stop": {"cameraId": camera.id},
        "raise-hand": {"raised": True},
        "chat": {"text": "你好"},
        "allow-speak": {"participantId": target_id},
        "minutes": {"text": "笔录", "version": 0},
        "admit": {"waitingId": "nobody"},
        "turn-away": {"waitingId": "nobody"},
        "agreement-propose": {"content": {}},
        "agreement-sign": {
            "agreementId": "nobody",
            "contentSha256": "0" * 64,
            "image": "data:image/png;base64,AAAA",
        },
        "feedback": {"rating": 5},
    }
    order = [e for e in EVENTS if e not in ("join", "leave", "end-room")] + ["leave"]
    wrong: list[str] = []
    for principal in PRINCIPALS:
        client = await _connected(hub, clients, await token(principal))
        joined = await client.request("join", payloads["join"])
        if joined["ok"] != (principal in EVENTS["join"]):
            wrong.append(f"{principal}: join -> {joined}")
        for event in order:
            ack = await client.request(event, payloads.get(event, {}))
            if event == "record-start" and ack["ok"]:
                await client.request("record-stop")
            granted = ack["ok"] or ack["error"]["code"] not in DENIED
            if granted != (principal in EVENTS[event]):
                wrong.append(f"{principal}: {event} -> {ack}")
        await client.close()
    # end-room last: the moderators may, the rest may not
    for principal in ("command", "party-here", "mediator-east"):
        client = await _connected(hub, clients, await token(principal))
        await client.request("join", payloads["join"])
        ack = await client.request("end-room")
        if ack["ok"] != (principal in EVENTS["end-room"]):
            wrong.append(f"{principal}: end-room -> {ack}")
    assert wrong == [], wrong


# The /wall namespace: screens (their own screen credential) and operators (staff who
# may view walls). Others are refused at connect.
SCREEN_ONLY = {"screen"}
OPERATORS = {"command", "city-admin"}
WALL_EVENTS: dict[str, set[str]] = {
    "sync": SCREEN_ONLY,
    "visible": SCREEN_ONLY,
    # a screen's streams, or the room an operator listens to
    "subscribe": SCREEN_ONLY | OPERATORS,
    "subscribe-answer": SCREEN_ONLY | OPERATORS,
    "keyframe": SCREEN_ONLY,
    "watch": OPERATORS,
    "unwatch": OPERATORS,
    "listen": OPERATORS,
    "listen-stop": OPERATORS,
}
# staff of an office who may enter rooms connect too (they hear calls) but may do none
# of these; staff who may not, and parties, are refused at connect
OFFICES = {"mediator-east"}
WALL_PRINCIPALS = ("screen", "command", "city-admin", "mediator-east", "intake", "party-here")


def test_every_wall_event_is_in_the_table() -> None:
    namespace = WallNamespace.__new__(WallNamespace)
    WallNamespace.__init__(namespace, app={})  # type: ignore[arg-type]
    assert set(namespace.events) == set(WALL_EVENTS)


async def test_wall_event_authorisation_matrix(hub: Hub, clients: list[ProtocolClient]) -> None:
    secret = hub.app[TOKEN_SECRET]
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        room = await case_room(s, demo, "east-1")
        admin = demo.users["city-admin"]
        boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
        wall, _ = await walls.do_create_wall(
            s,
            boss,
            name="墙",
            organisation=demo.orgs["east"],
            screens=1,
            layout="2x2",
            credential_hashes=[hash_secret("k" * 43)],
        )

    async def token(principal: str) -> str:
        if principal == "screen":
            return screen_token(wall.id, 1, "k" * 43)
        if principal == "party-here":
            return issue(secret, sub="p", name="p", role="party", room=room.id, ttl_s=600)
        return await staff_token(hub.app, demo.users[principal])

    payloads: dict[str, dict[str, Any]] = {
        "visible": {"tiles": [1, 2]},
        "subscribe-answer": {"sdp": "v=0\r\n"},
        "keyframe": {"producerId": "none"},
        "watch": {"wall": wall.id},
        "unwatch": {"wall": wall.id},
        "listen": {"room": room.id},
    }
    wrong: list[str] = []
    for principal in WALL_PRINCIPALS:
        client = WallClient(hub.url, await token(principal))
        clients.append(client)
        try:
            await client.connect()
        except socketio.exceptions.ConnectionError:
            if principal in OFFICES or any(principal in a for a in WALL_EVENTS.values()):
                wrong.append(f"{principal}: refused at connect")
            continue
        if principal not in OFFICES and not any(principal in a for a in WALL_EVENTS.values()):
            wrong.append(f"{principal}: connected")
        for event, allowed in WALL_EVENTS.items():
            ack = await client.request(event, payloads.get(event, {}))
            granted = ack["ok"] or ack["error"]["code"] not in DENIED
            if granted != (principal in allowed):
                wrong.append(f"{principal}: {event} -> {ack}")
        await client.close()
    assert wrong == [], wrong
