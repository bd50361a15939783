"""The session beyond media over the real socket.io protocol: the floor (mute by
the mediator, raise hand, allowed to speak, unmute works again), chat kept and
audited, the mediator's minutes, one screen share at a time."""

from __future__ import annotations

import asyncio

from aiortc import RTCSessionDescription
from sqlalchemy import select

from rooms.models import AuditEntry, ChatMessage, RoomMinutes
from signaling.keys import DATABASE
from tests.media.fixtures import PacketTrack, encoded_opus, encoded_video, publisher_pc
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub


async def _joined(hub: Hub, clients: list[ProtocolClient], token: str) -> ProtocolClient:
    client = ProtocolClient(hub.url, token)
    clients.append(client)
    await client.connect()
    ack = await client.join()
    assert ack["ok"], ack
    return client


async def test_muted_party_raises_hand_and_is_allowed_to_speak(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _joined(hub, clients, hub.token(room, name="李调解", role="mediator"))
    party = await _joined(hub, clients, hub.token(room, name="张三"))
    other = await _joined(hub, clients, hub.token(room, name="王五"))
    published = await party.publish([PacketTrack("audio", encoded_opus())])
    audio = published["producers"][0]["id"]
    joined = await mediator.wait_event("participant-joined", lambda p: p["name"] == "张三")
    party_id = joined["id"]

    ack = await mediator.request("mute-participant", {"participantId": party_id, "kind": "audio"})
    assert ack["ok"], ack
    await party.wait_event("producer-paused", lambda e: e["producerId"] == audio)
    refused = await party.request("unmute", {"producerId": audio})
    assert refused["error"]["code"] == "forbidden"

    # a party may not give the floor
    assert (await other.request("allow-speak", {"participantId": party_id}))["error"][
        "code"
    ] == "forbidden"
    assert (await party.request("raise-hand", {"raised": True}))["ok"]
    hand = await mediator.wait_event("hand", lambda e: e["participantId"] == party_id)
    assert hand["raised"] is True
    assert (await mediator.request("allow-speak", {"participantId": party_id}))["ok"]
    allowed = await party.wait_event("speak-allowed")
    assert allowed["asked"] is True
    await other.wait_event("hand", lambda e: e["participantId"] == party_id and not e["raised"])

    assert (await party.request("unmute", {"producerId": audio}))["ok"]
    await other.wait_event("producer-resumed", lambda e: e["producerId"] == audio)
    await other.negotiate()
    await other.frames_from(audio, at_least=20)


async def test_chat_reaches_everyone_and_is_kept_and_audited(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _joined(hub, clients, hub.token(room, name="李调解", role="mediator"))
    party = await _joined(hub, clients, hub.token(room, name="张三"))
    ack = await party.request("chat", {"text": "  我同意分两期付款  "})
    assert ack["ok"] and ack["message"]["text"] == "我同意分两期付款"
    got = await mediator.wait_event("chat")
    assert got["name"] == "张三" and got["text"] == "我同意分两期付款"

    for bad in ({"text": ""}, {"text": "长" * 501}, {"text": 5}, {}):
        assert (await party.request("chat", bad))["error"]["code"] == "bad_request"
    async with hub.app[DATABASE].session() as db:
        rows = list(await db.scalars(select(ChatMessage).where(ChatMessage.room_id == room)))
        audit = list(await db.scalars(select(AuditEntry).where(AuditEntry.action == "chat.send")))
    assert [r.text for r in rows] == ["我同意分两期付款"]
    assert audit and audit[-1].detail["message"] == rows[0].id
    assert "我同意" not in str(audit[-1].detail)  # the text is kept once, hashed in the audit

    # someone joining later sees what was said
    late = ProtocolClient(hub.url, hub.token(room, name="王五"))
    clients.append(late)
    await late.connect()
    joined = await late.join()
    assert [m["text"] for m in joined["chat"]] == ["我同意分两期付款"]
    assert "minutes" not in joined  # parties don't see the mediator's minutes

    # a flood is refused, not stored
    answers = await asyncio.gather(*(party.request("chat", {"text": f"{i}"}) for i in range(8)))
    assert any(not a["ok"] and a["error"]["code"] == "rate_limited" for a in answers)


async def test_minutes_are_the_mediators_and_versioned(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _joined(hub, clients, hub.token(room, name="李调解", role="mediator"))
    party = await _joined(hub, clients, hub.token(room, name="张三"))
    assert (await party.request("minutes", {"text": "x", "version": 0}))["error"][
        "code"
    ] == "forbidden"
    first = await mediator.request("minutes", {"text": "双方到场。", "version": 0})
    assert first["ok"] and first["minutes"]["version"] == 1
    second = await mediator.request("minutes", {"text": "双方到场。张三陈述。", "version": 1})
    assert second["minutes"]["version"] == 2
    stale = await mediator.request("minutes", {"text": "旧的", "version": 1})
    assert stale["error"]["code"] == "conflict"
    async with hub.app[DATABASE].session() as db:
        minutes = await db.get(RoomMinutes, room)
    assert minutes is not None and minutes.text == "双方到场。张三陈述。"


async def test_one_screen_share_and_only_by_the_mediator(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _joined(hub, clients, hub.token(room, name="李调解", role="mediator"))
    party = await _joined(hub, clients, hub.token(room, name="张三"))
    pc = publisher_pc([PacketTrack("video", encoded_video("libvpx"))])
    await pc.setLocalDescription(await pc.createOffer())
    refused = await party.request("publish", {"sdp": pc.localDescription.sdp, "source": "screen"})
    assert refused["error"]["code"] == "forbidden"
    await pc.close()

    mediator.pub_pc = publisher_pc([PacketTrack("video", encoded_video("libvpx"))])
    await mediator.pub_pc.setLocalDescription(await mediator.pub_pc.createOffer())
    ack = await mediator.request(
        "publish", {"sdp": mediator.pub_pc.localDescription.sdp, "source": "screen"}
    )
    assert ack["ok"] and ack["producers"][0]["source"] == "screen"
    await mediator.pub_pc.setRemoteDescription(RTCSessionDescription(sdp=ack["sdp"], type="answer"))
    added = await party.wait_event("producer-added", lambda p: p["source"] == "screen")
    await party.negotiate()
    await party.frames_from(added["id"], at_least=5)
