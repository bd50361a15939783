"""Every socket.io event has a request model, and its handler takes that model
and answers a model (or nothing); the wire names stay as docs/protocol.md has them."""

from __future__ import annotations

import typing

from rooms.live_events import Source
from signaling.models import Wire
from signaling.room_messages import JoinAnswer, PublishRequest, RecordingInfo
from signaling.room_namespace import RoomNamespace


def test_each_handler_takes_its_events_model() -> None:
    namespace = RoomNamespace.__new__(RoomNamespace)
    RoomNamespace.__init__(namespace, app=None)  # type: ignore[arg-type]
    for event, (model, handler) in namespace.events.items():
        hints = typing.get_type_hints(handler)
        assert hints["data"] is model, event
        answer = hints["return"]
        assert answer is type(None) or issubclass(answer, Wire), event


def test_sources_are_the_live_rooms() -> None:
    literal = typing.get_args(PublishRequest.model_fields["source"].annotation)[0]
    assert set(typing.get_args(literal)) == {str(s) for s in Source}


def test_answers_keep_their_wire_names() -> None:
    joined = set(JoinAnswer.model_json_schema(by_alias=True, mode="serialization")["properties"])
    assert joined == {
        "room",
        "self",
        "permissions",
        "resumed",
        "participants",
        "cameras",
        "iceServers",
        "consents",
        "recording",
    }
    recording = RecordingInfo(active=False, recording_id=None, started_at=None, required=True)
    assert recording.model_dump(by_alias=True) == {
        "active": False,
        "recordingId": None,
        "startedAt": None,
        "required": True,
        "lastRecordingId": None,
    }
