"""The socket.io protocol with a real hub server, python-socketio clients and
real aiortc peers over loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import socketio

from hub.app import build_app
from hub.config import Config
from signaling.keys import METRICS_TOKEN
from tests.media.fixtures import (
    PacketTrack,
    encoded_opus,
    encoded_video,
    frame_digest,
    publisher_pc,
)
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub


async def _connected(hub: Hub, clients: list[ProtocolClient], token: str) -> ProtocolClient:
    client = ProtocolClient(hub.url, token)
    clients.append(client)
    await client.connect()
    return client


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "token_missing"),
        ({"token": "not-a-jwt"}, "token_invalid"),
        ("expired", "token_expired"),
    ],
)
async def test_connection_without_a_valid_token_is_refused(
    hub: Hub, auth: object, code: str
) -> None:
    room = await hub.room()
    if auth == "expired":
        auth = {"token": hub.token(room, ttl_s=-10)}
    sio = socketio.AsyncClient(reconnection=False)
    refused: list[object] = []
    sio.on("connect_error", refused.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(hub.url, auth=auth, transports=["websocket"])
    assert refused, "connect_error carries the reason"
    assert refused[0]["data"]["code"] == code  # type: ignore[index]


async def test_three_participants_forward_media_byte_identical(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    party_a = await _connected(hub, clients, hub.token(room, name="张三"))
    party_b = await _connected(hub, clients, hub.token(room, name="王五"))

    joined = await mediator.join()
    assert joined["ok"] and joined["room"]["id"] == room and joined["participants"] == []
    ack_a = await party_a.join()
    assert [p["name"] for p in ack_a["participants"]] == ["李调解"]
    await mediator.wait_event("participant-joined", lambda p: p["name"] == "张三")
    await party_b.join()

    video = PacketTrack("video", encoded_video("libvpx"))
    audio = PacketTrack("audio", encoded_opus())
    published = await party_a.publish([video, audio])
    producers = {p["kind"]: p["id"] for p in published["producers"]}
    assert set(producers) == {"video", "audio"}

    for viewer in (mediator, party_b):
        await viewer.wait_event("producer-added", lambda p: p["id"] == producers["video"])
        await viewer.negotiate()
        await viewer.frames_from(producers["video"], at_least=30)
        await viewer.frames_from(producers["audio"], at_least=30)
        for kind, track in (("video", video), ("audio", audio)):
            mid = next(m for m, p in viewer.mid_to_producer.items() if p == producers[kind])
            got = [frame_digest(mime, data) for _, data, mime in viewer.received.frames[mid]]
            mime = "video/VP8" if kind == "video" else "audio/opus"
            sent = [frame_digest(mime, d) for d in track.sent]
            start = sent.index(got[0])
            assert got == sent[start : start + len(got)]

    # /metrics sees the room
    async with aiohttp.ClientSession() as http:
        async with http.get(
            hub.url + "metrics", headers={"Authorization": f"Bearer {hub.app[METRICS_TOKEN]}"}
        ) as response:
            text = await response.text()
    assert "hub_rooms 1" in text and "hub_participants 3" in text
    assert "hub_consumers 4" in text


async def test_leave_removes_tiles_and_producers_for_the_others(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    a = await _connected(hub, clients, hub.token(room, name="张三"))
    b = await _connected(hub, clients, hub.token(room, name="王五"))
    await a.join()
    await b.join()
    published = await a.publish([PacketTrack("video", encoded_video("libvpx"))])
    producer = published["producers"][0]["id"]
    await b.negotiate()
    await b.frames_from(producer, at_least=5)
    assert (await a.request("leave"))["ok"]
    left = await b.wait_event("participant-left")
    assert left["reason"] == "left"
    await b.wait_event("producer-removed", lambda p: p["producerId"] == producer)
    assert (await a.request("publish", {"sdp": "v=0"}))["error"]["code"] == "not_joined"


async def test_reconnect_within_grace_keeps_identity_without_ghosts(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    token = hub.token(room, name="张三")
    a = await _connected(hub, clients, token)
    b = await _connected(hub, clients, hub.token(room, name="王五"))
    first = await a.join()
    await b.join()
    await a.sio.disconnect()  # the phone lost its network

    a2 = await _connected(hub, clients, token)
    again = await a2.join()
    assert again["ok"] and again["resumed"] is True
    assert again["self"]["id"] == first["self"]["id"]
    assert [p["name"] for p in again["participants"]] == ["王五"]
    # the others never saw it leave or join twice: by the time they see its new
    # producer, any join/leave notice would have arrived before it
    published = await a2.publish([PacketTrack("audio", encoded_opus())])
    await b.wait_event("producer-added", lambda p: p["id"] == published["producers"][0]["id"])
    assert [p["name"] for p in b.events.get("participant-joined", [])] == []
    assert b.events.get("participant-left", []) == []


async def test_disconnected_participant_leaves_after_the_grace_period(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    a = await _connected(hub, clients, hub.token(room, name="张三"))
    b = await _connected(hub, clients, hub.token(room, name="王五"))
    await a.join()
    await b.join()
    await a.sio.disconnect()
    left = await b.wait_event("participant-left", limit=8)  # grace is 2 s in these tests
    assert left["reason"] == "disconnected"


async def test_mute_stops_the_audio_and_moderation_is_for_mediators(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    party = await _connected(hub, clients, hub.token(room, name="张三"))
    other = await _connected(hub, clients, hub.token(room, name="王五"))
    await mediator.join()
    joined = await party.join()
    await other.join()
    published = await party.publish([PacketTrack("audio", encoded_opus())])
    audio = published["producers"][0]["id"]
    await other.negotiate()
    await other.frames_from(audio, at_least=10)

    refused = await other.request(
        "mute-participant", {"participantId": joined["self"]["id"], "kind": "audio"}
    )
    assert refused["error"]["code"] == "forbidden"

    ack = await mediator.request(
        "mute-participant", {"participantId": joined["self"]["id"], "kind": "audio"}
    )
    assert ack["ok"], ack
    await other.wait_event("producer-paused", lambda e: e["producerId"] == audio)
    count = await other.frames_from(audio)
    await asyncio.sleep(0.5)  # half a second of would-be audio (25 packets)
    assert await other.frames_from(audio) <= count + 2
    assert (await party.request("unmute", {"producerId": audio}))["error"]["code"] == "forbidden"


async def test_removed_party_cannot_rejoin_and_end_room_closes_it(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    token = hub.token(room, name="张三")
    party = await _connected(hub, clients, token)
    await mediator.join()
    joined = await party.join()
    ack = await mediator.request("remove-participant", {"participantId": joined["self"]["id"]})
    assert ack["ok"], ack
    await party.wait_event("removed")
    again = await _connected(hub, clients, token)
    assert (await again.join())["error"]["code"] == "removed"

    other = await _connected(hub, clients, hub.token(room, name="王五"))
    await other.join()
    assert (await other.request("end-room"))["error"]["code"] == "forbidden"
    assert (await mediator.request("end-room"))["ok"]
    await other.wait_event("room-ended")
    late = await _connected(hub, clients, hub.token(room, name="赵六"))
    assert (await late.join())["error"]["code"] == "room_ended"


async def test_tokens_open_one_room_only(hub: Hub, clients: list[ProtocolClient]) -> None:
    room = await hub.room("甲调解室")
    other_room = await hub.room("乙调解室")
    party = await _connected(hub, clients, hub.token(room))
    assert (await party.join(room=other_room))["error"]["code"] == "forbidden"
    ghost = await _connected(hub, clients, hub.token("no-such-room"))
    assert (await ghost.join())["error"]["code"] == "room_not_found"


MALFORMED = [
    ("join", [1, 2], "bad_request"),
    ("join", "text", "bad_request"),
    ("publish", {}, "not_joined"),
    ("no-such-event", {}, "unknown_event"),
]
JOINED_MALFORMED = [
    ("publish", {}, "bad_request"),
    ("publish", {"sdp": 5}, "bad_request"),
    ("publish", {"sdp": "v=0\r\nthis is not sdp"}, "invalid_sdp"),
    ("publish", {"sdp": "x" * 70_000}, "payload_too_large"),
    ("publish", {"sdp": "v=0", "source": "toaster"}, "bad_request"),
    ("subscribe-answer", {"sdp": "v=0\r\n"}, "invalid_sdp"),
    ("mute", {"producerId": "nope"}, "not_found"),
    ("keyframe", {"producerId": ["x"]}, "bad_request"),
    ("mute-participant", {"participantId": "x", "kind": "audio"}, "forbidden"),
    ("end-room", {}, "forbidden"),
    ("join", {}, "already_joined"),
]


async def test_every_malformed_request_gets_an_error_ack(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    client = await _connected(hub, clients, hub.token(room))
    for event, payload, code in MALFORMED:
        ack = await client.request(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == code, (event, payload, ack)
        assert ack["error"]["message"]
    await client.join()
    for event, payload, code in JOINED_MALFORMED:
        ack = await client.request(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == code, (event, payload, ack)


async def test_consent_on_the_page_and_verbal_consent_by_the_mediator(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    a = await _connected(hub, clients, hub.token(room, name="张三"))
    b = await _connected(hub, clients, hub.token(room, name="王五"))
    await mediator.join()
    joined_a = await a.join(consent=True)
    joined_b = await b.join()
    assert [c["name"] for c in joined_b["consents"]] == ["张三"]
    notice = joined_b["consents"][0]["noticeSha256"]
    assert len(notice) == 64 and joined_b["consents"][0]["method"] == "page"

    refused = await a.request("record-consent", {"participantId": joined_b["self"]["id"]})
    assert refused["error"]["code"] == "forbidden"
    verbal = await mediator.request("record-consent", {"participantId": joined_b["self"]["id"]})
    assert verbal["consent"]["method"] == "verbal"
    assert verbal["consent"]["recordedBy"] == joined_a["participants"][0]["id"]  # the mediator
    seen = await a.wait_event("consent", lambda c: c["name"] == "王五")
    assert seen["method"] == "verbal" and seen["noticeSha256"] == notice
    assert (await a.request("consent", {"accepted": "yes"}))["error"]["code"] == "bad_request"
    assert (await a.request("consent", {"accepted": True}))["consent"]["participantId"] == (
        joined_a["self"]["id"]
    )


async def test_late_joiner_receives_producers_published_before_it_came(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    await mediator.join()
    published = await mediator.publish(
        [PacketTrack("video", encoded_video("libvpx")), PacketTrack("audio", encoded_opus())]
    )
    late = await _connected(hub, clients, hub.token(room, name="张三"))
    joined = await late.join()
    assert {p["id"] for p in joined["participants"][0]["producers"]} == {
        p["id"] for p in published["producers"]
    }
    await late.negotiate()
    for producer in published["producers"]:
        await late.frames_from(producer["id"], at_least=10)


async def test_too_many_published_lines_are_refused_and_late_joiners_still_get_media(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    """One party offering 25 video lines used to push the next subscribe offer
    past the SDP limit, so nobody who joined later got any media."""
    room = await hub.room()
    flood = await _connected(hub, clients, hub.token(room, name="张三"))
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    await flood.join()
    await mediator.join()
    camera = await mediator.publish(
        [PacketTrack("video", encoded_video("libvpx")), PacketTrack("audio", encoded_opus())]
    )

    many = [PacketTrack("video", encoded_video("libvpx")) for _ in range(25)]
    lines = publisher_pc(many, codec="video/VP8")  # one codec: the offer fits in 32 KiB
    await lines.setLocalDescription(await lines.createOffer())
    refused = await flood.request("publish", {"sdp": lines.localDescription.sdp})
    await lines.close()
    assert refused["ok"] is False
    assert refused["error"]["code"] == "too_many_producers"
    assert refused["error"]["message"].startswith("每位参与者")
    # two cameras in one offer are refused too, one camera and a mic are fine
    two = publisher_pc([PacketTrack("video", encoded_video("libvpx")) for _ in range(2)])
    await two.setLocalDescription(await two.createOffer())
    assert (await flood.request("publish", {"sdp": two.localDescription.sdp}))["error"][
        "code"
    ] == "too_many_producers"
    await two.close()
    own = await flood.publish(
        [PacketTrack("video", encoded_video("libvpx")), PacketTrack("audio", encoded_opus())]
    )
    assert {p["source"] for p in own["producers"]} == {"camera", "mic"}

    late = await _connected(hub, clients, hub.token(room, name="王五"))
    await late.join()
    await late.negotiate()
    for producer in camera["producers"] + own["producers"]:
        await late.frames_from(producer["id"], at_least=10)
    # a second camera added to the same connection later is refused as well, and
    # what the party already sends keeps flowing
    assert flood.pub_pc is not None
    flood.pub_pc.addTransceiver(PacketTrack("video", encoded_video("libvpx")), "sendonly")
    await flood.pub_pc.setLocalDescription(await flood.pub_pc.createOffer())
    again = await flood.request("publish", {"sdp": flood.pub_pc.localDescription.sdp})
    assert again["error"]["code"] == "too_many_producers"
    seen = await late.frames_from(own["producers"][0]["id"])
    await late.frames_from(own["producers"][0]["id"], at_least=seen + 10)


async def test_a_media_connection_that_never_comes_up_is_closed(
    aiohttp_server: Any, hub_config: Config, clients: list[ProtocolClient]
) -> None:
    hub_config.media.connect_timeout_s = 1.0
    app = build_app(hub_config)
    hub = Hub(app=app, server=await aiohttp_server(app))
    room = await hub.room()
    b = await _connected(hub, clients, hub.token(room, name="王五"))
    await b.join()
    published = await b.publish([PacketTrack("audio", encoded_opus())])
    a = socketio.AsyncClient(reconnection=False)  # a page that dies mid-negotiation
    await a.connect(hub.url, auth={"token": hub.token(room, name="张三")}, transports=["websocket"])
    try:
        assert (await a.call("join", {}, timeout=10))["ok"]
        offer = await a.call("subscribe", {}, timeout=10)
        assert offer["ok"] and offer["sdp"]  # ... and never answered
        left = await b.wait_event("participant-left", limit=8)
        assert left["reason"] == "disconnected"
    finally:
        await a.disconnect()
    # b's own connection came up in time and stays
    assert b.events.get("producer-removed", []) == []
    c = await _connected(hub, clients, hub.token(room, name="赵六"))
    await c.join()
    await c.negotiate()
    await c.frames_from(published["producers"][0]["id"], at_least=60)  # past the timeout
    assert [e["reason"] for e in b.events["participant-left"]] == ["disconnected"]


async def test_a_subscriber_chooses_the_layer_it_receives(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    a = await _connected(hub, clients, hub.token(room, name="张三"))
    b = await _connected(hub, clients, hub.token(room, name="王五"))
    await a.join()
    await b.join()
    published = await a.publish([PacketTrack("video", encoded_video("libvpx"))])
    producer = published["producers"][0]["id"]
    await b.negotiate()
    ack = await b.request("set-preferred-layer", {"producerId": producer, "layer": "low"})
    assert ack["ok"] and ack["layers"] == 1  # one encoding: nothing to choose, nothing breaks
    again = await b.request(
        "set-preferred-layer", {"consumerId": ack["consumerId"], "layer": "high"}
    )
    assert again["ok"] and again["consumerId"] == ack["consumerId"]
    await b.frames_from(producer, at_least=10)
    bad = await b.request("set-preferred-layer", {"producerId": producer, "layer": "huge"})
    assert bad["error"]["code"] == "bad_request"
    # only what one receives: its own producer is not something a publisher consumes
    own = await a.request("set-preferred-layer", {"producerId": producer, "layer": "low"})
    assert own["error"]["code"] == "not_found"


async def test_subscribe_offers_stay_bounded_as_people_come_and_go(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    await mediator.join()
    lines = []
    for i in range(5):  # a party joins, talks, leaves; the next one comes
        party = await _connected(hub, clients, hub.token(room, name=f"当事人{i}"))
        await party.join()
        published = await party.publish(
            [PacketTrack("video", encoded_video("libvpx")), PacketTrack("audio", encoded_opus())]
        )
        for producer in published["producers"]:
            await mediator.frames_from(producer["id"], at_least=5)
        assert mediator.sub_pc is not None
        lines.append(mediator.sub_pc.remoteDescription.sdp.count("\nm="))
        await party.request("leave")
        await party.close()
    assert lines == [2] * 5, lines  # the m-lines of who left are reused
