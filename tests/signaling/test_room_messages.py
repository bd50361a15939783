"""Every socket.io event has a request model, and its handler takes that model
and answers a model (or nothing); the wire names stay as docs/protocol.md has them."""

from __future__ import annotations

import typing

from rooms.live_events import Source
from signaling.models import Wire
from signaling.room_messages import JoinAnswer, PublishRequest, RecordingInfo
from signaling.room_namespace import RoomNamespace, SocketSession


def test_each_handler_takes_its_events_model() -> None:
    namespace = RoomNamespace.__new__(RoomNamespace)
    RoomNamespace.__init__(namespace, app=None)  # type: ignore[arg-type]
    for event, (model, handler) in namespace.events.items():
        # the session's event modules name SocketSession for the type checker only
        hints = typing.get_type_hints(handler, localns={"SocketSession": SocketSession})
        assert hints["data"] is model, event
        answer = hints["return"]
        # one model, or one of a few (join: in the room, or held in the waiting room)
        answers = typing.get_args(answer) or (answer,)
        assert all(a is type(None) or issubclass(a, Wire) for a in answers), event


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
        # the session (signaling.session_events, lobby_events, agreement_events)
        "startedAt",
        "serverTime",
        "chat",
        "agreement",
        "minutes",
        "waiting",
        "commandSpeaking",  # the command center's live microphones (barge-in)
    }
    recording = RecordingInfo(active=False, recording_id=None, started_at=None, required=True)
    assert recording.model_dump(by_alias=True) == {
        "active": False,
        "recordingId": None,
        "startedAt": None,
        "required": True,
        "lastRecordingId": None,
    }
