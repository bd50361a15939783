"""Random payloads at every event: each gets an ack, and a bystander's session
keeps working throughout."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaling.room_namespace import RoomNamespace
from tests.media.fixtures import PacketTrack, encoded_opus
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub

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
            "consumerId": json_values,
            "layer": st.sampled_from(["low", "mid", "high"]) | json_values,
        },
    ),
)


def test_event_table_covers_the_namespace() -> None:
    namespace = RoomNamespace.__new__(RoomNamespace)
    RoomNamespace.__init__(namespace, app=None)  # type: ignore[arg-type]
    assert sorted(namespace._handlers) == sorted(EVENTS)


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
