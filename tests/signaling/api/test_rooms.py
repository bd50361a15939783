"""Ending a room over REST ends the live session as the socket event does:
everyone told and disconnected, the recording sealed, the room closed, audited."""

from __future__ import annotations

from sqlalchemy import select

from recorder.store import recordings_dir
from recorder.verify import verify
from rooms.audit import verify_audit_chain
from rooms.models import AuditEntry
from signaling.keys import DATABASE, LIVE_ROOMS, SERVER
from tests.media.fixtures import PacketTrack, encoded_opus
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, staff_token
from tests.signaling.test_invitations import _invite, _rest, _world
from tests.signaling.test_room_namespace import _connected


async def test_ending_over_rest_seals_the_recording_and_tells_everyone(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    demo, room = await _world(hub)
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    assert (await mediator.join(room=room.id))["ok"]
    party = await _connected(hub, clients, await _invite(hub, room, "张三"))
    assert (await party.join(consent=True))["ok"]
    published = await party.publish([PacketTrack("audio", encoded_opus())])
    started = await mediator.request("record-start")
    assert started["ok"], started
    await mediator.negotiate()
    await mediator.frames_from(published["producers"][0]["id"], at_least=25)
    recording_id = started["recording"]["recordingId"]

    status, body = await _rest(hub, "POST", f"/api/v1/rooms/{room.id}/end")
    assert status == 200, body
    assert body["state"] == "ended" and body["sealedRecordingId"] == recording_id

    for client in (mediator, party):
        assert await client.wait_event("room-ended") == {"reason": "room-ended"}
        await client.wait_disconnected()
    assert hub.app[LIVE_ROOMS].get(room.id) is None
    report = verify(recordings_dir(hub.app[SERVER].data_dir) / recording_id)
    assert report.ok, report.text()

    async with hub.app[DATABASE].session() as s:
        assert (await verify_audit_chain(s)).ok
        ends = list(
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "room.end", AuditEntry.target == f"room:{room.id}"
                )
            )
        )
        trail = [
            e.action
            for e in await s.scalars(
                select(AuditEntry)
                .where(AuditEntry.target == f"recording:{recording_id}")
                .order_by(AuditEntry.seq)
            )
        ]
    assert len(ends) == 1 and len(ends[0].detail["participantsLeft"]) == 2
    assert trail == ["recording.start", "recording.stop"]
    again = await _connected(hub, clients, await staff_token(hub.app, demo.users["mediator-east"]))
    assert (await again.join(room=room.id))["error"]["code"] == "room_ended"
    # ending twice is harmless and audited once
    status, body = await _rest(hub, "POST", f"/api/v1/rooms/{room.id}/end")
    assert status == 200 and body["sealedRecordingId"] is None
