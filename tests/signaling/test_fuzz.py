"""Random and hostile payloads: every socket.io event packet gets an ack (also
hostile JSON that python-socketio itself would fail to decode), every REST body
a clear 4xx, never a 5xx; a bystander's session keeps working throughout."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaling.api import ROUTES
from signaling.room_namespace import RoomNamespace
from tests.media.fixtures import PacketTrack, encoded_opus
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub
from tests.signaling.test_rest_authz import World, request_for
from tests.signaling.test_rest_authz import world as world  # the fixture

EVENTS = [
    "join",
    "publish",
    "subscribe",
    "subscribe-answer",
    "mute",
    "unmute",
    "keyframe",
    "set-preferred-layer",
    "leave",
    "mute-participant",
    "remove-participant",
    "end-room",
    "consent",
    "record-consent",
    "record-start",
    "record-stop",
    "camera-list",
    "camera-attach",
    "camera-detach",
    "camera-share",
    "camera-ptz",
    "camera-snapshot",
    "camera-clip-start",
    "camera-clip-stop",
    "raise-hand",
    "allow-speak",
    "chat",
    "minutes",
    "admit",
    "turn-away",
    "agreement-draft",
    "agreement-propose",
    "agreement-sign",
    "feedback-request",
    "feedback",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "sdp": st.one_of(st.text(max_size=300), st.just("v=0\r\n"), json_values),
            "producerId": json_values,
            "participantId": json_values,
            "kind": st.sampled_from(["audio", "video", "x"]) | json_values,
            "room": json_values,
            "source": json_values,
            "cameraId": json_values,
            "shared": json_values,
            "pan": json_values,
            "consumerId": json_values,
            "layer": st.sampled_from(["low", "mid", "high"]) | json_values,
        },
    ),
)


def test_event_table_covers_the_namespace() -> None:
    namespace = RoomNamespace.__new__(RoomNamespace)
    RoomNamespace.__init__(namespace, app=None)  # type: ignore[arg-type]
    assert sorted(namespace.events) == sorted(EVENTS)


async def test_random_payloads_never_break_anyone(hub: Hub, clients: list[ProtocolClient]) -> None:
    room = await hub.room()
    bystander = ProtocolClient(hub.url, hub.token(room, name="旁观者"))
    attacker = ProtocolClient(hub.url, hub.token(room, name="攻击者"))
    clients.extend([bystander, attacker])
    await bystander.connect()
    await attacker.connect()
    assert (await bystander.join())["ok"]
    assert (await attacker.join())["ok"]
    published = await bystander.publish([PacketTrack("audio", encoded_opus())])
    audio = published["producers"][0]["id"]
    acks: list[dict[str, object]] = []

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(event=st.sampled_from([*EVENTS, "bogus", ""]), payload=payloads)
    def fire(event: str, payload: object) -> None:
        acks.append({"event": event, "payload": payload})

    fire()
    for item in acks:
        event, payload = str(item["event"]), item["payload"]
        if event in ("leave", "end-room", "remove-participant"):
            payload = {"participantId": "x"} if event == "remove-participant" else payload
        ack = await attacker.request(event, payload)
        assert isinstance(ack, dict) and "ok" in ack, (event, payload, ack)
        if not ack["ok"]:
            assert ack["error"]["code"] and ack["error"]["message"]
        if not attacker.sio.connected:
            break
        if event == "leave" and ack["ok"]:
            assert (await attacker.join())["ok"]

    # the bystander's session is untouched: it still publishes and can be heard
    assert (await bystander.request("mute", {"producerId": audio}))["ok"]
    assert (await bystander.request("unmute", {"producerId": audio}))["ok"]
    assert (await bystander.request("subscribe"))["ok"]


# -- hostile JSON: REST bodies and raw socket.io packets -----------------------------------
HOSTILE_FIELDS = (
    "name",
    "role",
    "code",
    "username",
    "password",
    "title",
    "type",
    "severity",
    "organisationId",
    "parentId",
    "level",
    "reason",
    "to",
    "mediatorId",
    "current",
    "new",
    "ttlS",
    "maxUses",
    "required",
    "retentionDays",
    "parties",
    "room",
    "consent",
    "sdp",
    "producerId",
    "participantId",
    "kind",
    "source",
    "accepted",
)
hostile_values = st.one_of(
    st.integers(33, 5000).map(lambda d: "[" * d + "]" * d),  # deeply nested
    st.integers(33, 3000).map(lambda d: '{"a":' * d + "1" + "}" * d),
    st.integers(16, 5000).map(lambda n: "9" * n),  # 5,000-digit integers
    st.sampled_from(["-" + "1" * 400, "1e400", "-1e999", "1." + "5" * 400, "NaN", "Infinity"]),
    st.sampled_from(
        [
            '"\\ud800"',  # lone surrogates
            '"x\\udfffy"',
            '"a\\u0000b"',  # NUL
            '{"\\u0000": 1}',
            '{"\\ud83d": "x"}',
            '"\\ud83d\\ude00 ok"',  # a real surrogate pair: fine
        ]
    ),
    json_values.map(json.dumps),  # wrong types of every kind
)


@st.composite
def hostile_objects(draw: st.DrawFn) -> str:
    """A JSON object text whose fields are hostile (or a hostile non-object)."""
    if draw(st.booleans()):
        return draw(hostile_values)
    fields = draw(st.lists(st.sampled_from(HOSTILE_FIELDS), min_size=1, max_size=3, unique=True))
    parts = [f"{json.dumps(f)}:{draw(hostile_values)}" for f in fields]
    return "{" + ",".join(parts) + "}"


def _examples(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


async def test_hostile_rest_bodies_get_4xx_never_5xx(world: World) -> None:
    """Every REST route with a body (and the public ones), as every kind of
    principal: hostile JSON is a clear 4xx, never a 5xx."""
    texts = [
        *_examples(hostile_objects(), 30),
        "",
        "not json",
        "[1, 2]",
        '"x"',
        "null",
    ]
    values = _examples(hostile_values, 40)
    raw = [b"\xff\xfe{}", b'{"name": "\xed\xa0\x80"}']  # invalid UTF-8, an encoded surrogate
    routes = [(r.method, r.path) for r in ROUTES if r.method in ("POST", "PUT", "DELETE")]
    failures = []
    for principal in ("city-admin", "mediator-east", "anonymous"):
        token = world.tokens.get(principal, "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for index, (method, path) in enumerate(routes):
            ids = world.ids["east"]
            request = request_for(method, path, ids, token)
            url, valid = request["url"], request["json"] or {"name": "x"}
            # a valid body with one field made hostile (so the value is reached), and
            # hostile bodies of every shape
            bodies = [_with(valid, i, value) for i, value in enumerate(values[index % 3 :: 3])]
            bodies += [t.encode("utf-8", "surrogatepass") for t in texts[index % 3 :: 3]] + raw
            for body in bodies:
                response = await world.client.request(
                    method,
                    url,
                    data=body,
                    headers={**headers, "Content-Type": "application/json"},
                )
                if response.status >= 500:
                    failures.append((principal, method, path, body[:80], response.status))
                elif response.status >= 400:
                    error = (await response.json())["error"]
                    assert error["code"] and error["message"], (path, error)
    # hostile path parameters and queries too
    headers = {"Authorization": f"Bearer {world.tokens['city-admin']}"}
    for url in (
        "/api/v1/cases/%00",
        "/api/v1/cases/%ED%A0%80",
        "/api/v1/cases?status=%00",
        "/api/v1/cases?page=" + "9" * 5000,
        "/api/v1/recordings?caseId=%00",
        "/api/v1/recordings/%00/tracks",
    ):
        response = await world.client.get(url, headers=headers)
        if response.status >= 500:
            failures.append(("city-admin", "GET", url, b"", response.status))
    assert failures == [], failures[:10]


def _with(valid: dict[str, Any], i: int, hostile: str) -> bytes:
    """The JSON text of `valid` with its i-th field (cyclically) set to `hostile`."""
    keys = list(valid)
    chosen = keys[i % len(keys)]
    fields = [
        f"{json.dumps(k)}:{hostile if k == chosen else json.dumps(v)}" for k, v in valid.items()
    ]
    return ("{" + ",".join(fields) + "}").encode("utf-8", "surrogatepass")


class RawSocket:
    """Engine.IO v4 / socket.io v5 frames by hand: what a hostile client sends."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, http: aiohttp.ClientSession, url: str, token: str) -> RawSocket:
        ws = await http.ws_connect(f"{url}socket.io/?EIO=4&transport=websocket")
        socket = cls(ws)
        assert (await socket.receive()).startswith("0")  # engine.io open
        await ws.send_str("40" + json.dumps({"token": token}))
        assert (await socket.receive()).startswith("40")  # socket.io connected
        return socket

    async def receive(self) -> str:
        while True:
            message = await asyncio.wait_for(self.ws.receive(), 15)
            assert message.type == aiohttp.WSMsgType.TEXT, message
            if message.data == "2":  # engine.io ping
                await self.ws.send_str("3")
                continue
            return str(message.data)

    async def ack_of(self, ack_id: int) -> Any:
        while True:
            frame = await self.receive()
            if frame.startswith(f"43{ack_id}["):
                return json.loads(frame[len(f"43{ack_id}") :])[0]


async def test_hostile_socketio_packets_always_get_an_ack(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    bystander = ProtocolClient(hub.url, hub.token(room, name="旁观者"))
    clients.append(bystander)
    await bystander.connect()
    assert (await bystander.join())["ok"]
    published = await bystander.publish([PacketTrack("audio", encoded_opus())])
    audio = published["producers"][0]["id"]

    payload_texts = _examples(hostile_objects(), 120)
    packets = [
        f"[{json.dumps(event)},{text}]"
        for event, text in zip(itertools.cycle(EVENTS), payload_texts)
    ] + [
        *payload_texts[:20],  # not an array at all
        "[]",
        "[1]",
        '[{"a":1}]',
        '["connect"]',  # reserved names
        '["disconnect"]',
        '["join",{},{}]',  # two arguments
        "[" * 100000,  # unparseable
        '["join"',
        '["\\ud800",{}]',  # an event named by a lone surrogate
        '["join",{"room":"\\u0000"}]',
    ]
    async with aiohttp.ClientSession() as http:
        attacker = await RawSocket.connect(http, hub.url, hub.token(room, name="攻击者"))
        for ack_id, text in enumerate(packets, start=1):
            if text[:1].isdigit() or text[:1] == "-":
                continue  # framing, not payload: read as the ack id / attachment count
            await attacker.ws.send_str(f"42{ack_id}{text}")
            ack = await attacker.ack_of(ack_id)
            assert isinstance(ack, dict) and "ok" in ack, (text[:80], ack)
            if not ack["ok"]:
                assert ack["error"]["code"] and ack["error"]["message"], ack
        # binary attachments that point nowhere
        await attacker.ws.send_str('451-9999["join",{"_placeholder":true,"num":7}]')
        await attacker.ws.send_bytes(b"\x00\x01")
        ack = await attacker.ack_of(9999)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
        await attacker.ws.close()

    assert (await bystander.request("mute", {"producerId": audio}))["ok"]
    assert (await bystander.request("unmute", {"producerId": audio}))["ok"]
    assert (await bystander.request("subscribe"))["ok"]
