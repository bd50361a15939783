"""Recording from the room: consent first, everyone told, sealed on stop."""

from __future__ import annotations

import json

from recorder.store import recordings_dir
from recorder.verify import verify
from rooms import domain
from rooms.demo import seed_demo_city
from rooms.policy import Subject
from rooms.recording_policy import do_set_recording_policy
from signaling.keys import DATABASE, ROOMS_SETTINGS, SERVER, TOKEN_SECRET
from tests.media.fixtures import PacketTrack, encoded_opus, encoded_video
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, case_room, staff_token
from tests.signaling.test_room_namespace import _connected


async def test_recording_needs_consent_and_seals_what_it_recorded(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    room = await hub.room()
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    agreed = await _connected(hub, clients, hub.token(room, name="张三"))
    silent = await _connected(hub, clients, hub.token(room, name="王五"))
    await mediator.join()
    await agreed.join(consent=True)
    joined_silent = await silent.join()
    published = await agreed.publish(
        [PacketTrack("video", encoded_video("libvpx")), PacketTrack("audio", encoded_opus())]
    )

    refused = await agreed.request("record-start")
    assert refused["error"]["code"] == "forbidden"
    refused = await mediator.request("record-start")
    assert refused["error"]["code"] == "consent_missing" and "王五" in refused["error"]["message"]

    await mediator.request("record-consent", {"participantId": joined_silent["self"]["id"]})
    started = await mediator.request("record-start")
    assert started["ok"] and started["recording"]["active"], started
    for client in (agreed, silent):
        notice = await client.wait_event("recording", lambda e: e["active"])
        assert notice["recordingId"] == started["recording"]["recordingId"]
    # a late joiner sees that the room is recording
    late = await _connected(hub, clients, hub.token(room, name="赵六"))
    assert (await late.join())["recording"]["active"] is True

    # let about a second of media be recorded (the subscriber counts it arriving)
    await mediator.negotiate()
    await mediator.frames_from(published["producers"][0]["id"], at_least=40)
    stopped = await mediator.request("record-stop")
    assert stopped["ok"] and stopped["recording"]["active"] is False
    await agreed.wait_event("recording", lambda e: not e["active"])

    directory = recordings_dir(hub.app[SERVER].data_dir) / started["recording"]["recordingId"]
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    methods = {c["method"] for c in manifest["consents"]}
    assert {"party-page-checkbox", "verbal-recorded-by-mediator"} <= methods
    kinds = sorted(t["kind"] for t in manifest["tracks"].values())
    assert kinds == ["audio", "video"], manifest["tracks"]


async def test_an_organisation_can_require_recording_in_every_case_room(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    secret = hub.app[TOKEN_SECRET]
    async with hub.app[DATABASE].transaction() as s:
        demo = await seed_demo_city(s)
        admin = demo.users["city-admin"]
        boss = Subject(id=admin.id, name="a", role="admin", org_path=demo.orgs["city"].path)
        # the township requires it; its communities inherit
        await do_set_recording_policy(
            s, boss, demo.orgs["east"].id, required=True, retention_days=None
        )
        room = await case_room(s, demo, "east-1", title="噪音")
        link = await domain.do_create_invitation(
            s, room, name="张三", role="party", ttl_s=600, inviter=None
        )
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    joined = await mediator.join(room=room.id)
    assert joined["recording"]["required"] is True
    # a mediator alone is not recorded: it starts when the first party comes in (issue 14)
    assert joined["recording"]["active"] is False

    party = await _connected(hub, clients, domain.invitation_token(secret, link))
    refused = await party.join()
    assert refused["error"]["code"] == "consent_required"
    joined = await party.join(consent=True)
    assert joined["recording"] == {**joined["recording"], "active": True, "required": True}
    await mediator.wait_event("recording", lambda r: r["active"])
    published = await party.publish([PacketTrack("audio", encoded_opus())])
    await mediator.negotiate()
    await mediator.frames_from(published["producers"][0]["id"], at_least=25)

    refused = await mediator.request("record-stop")
    assert refused["error"]["code"] == "recording_required"
    recording_id = joined["recording"]["recordingId"]
    await mediator.request("end-room")  # sealed before the acknowledgement

    directory = recordings_dir(hub.app[SERVER].data_dir) / recording_id
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert "required by policy" in manifest["started_by"]
    assert [t["kind"] for t in manifest["tracks"].values()] == ["audio"]
    assert any(c["method"] == "party-page-checkbox" for c in manifest["consents"])


async def test_rooms_outside_the_policy_record_only_when_asked(
    hub: Hub, clients: list[ProtocolClient]
) -> None:
    hub.app[ROOMS_SETTINGS].recording_required = True  # the default, for case rooms
    room = await hub.room()  # an ad-hoc room, no case: the policy is about case rooms
    mediator = await _connected(hub, clients, hub.token(room, name="李调解", role="mediator"))
    joined = await mediator.join()
    assert joined["recording"]["active"] is False and joined["recording"]["required"] is False
