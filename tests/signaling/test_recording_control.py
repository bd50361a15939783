"""Recording from the room: consent first, everyone told, sealed on stop."""

from __future__ import annotations

import json

from recorder.store import recordings_dir
from recorder.verify import verify
from signaling.keys import CONFIG
from tests.media.fixtures import PacketTrack, encoded_opus, encoded_video
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub
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

    directory = (
        recordings_dir(hub.app[CONFIG].server.data_dir) / started["recording"]["recordingId"]
    )
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    methods = {c["method"] for c in manifest["consents"]}
    assert {"party-page-checkbox", "verbal-recorded-by-mediator"} <= methods
    kinds = sorted(t["kind"] for t in manifest["tracks"].values())
    assert kinds == ["audio", "video"], manifest["tracks"]
