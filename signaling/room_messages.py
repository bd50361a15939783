"""The socket.io protocol's requests and answers as models (docs/protocol.md).

A request's one JSON object is decoded by signaling.decoder (hostile JSON
refused) and validated by its event's model; an answer is {ok: true, ...the
answer model} or {ok: false, error: {code, message}} (ErrorAck).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
    model_validator,
)

from media.peer_transport import MAX_SDP_BYTES
from signaling.models import Body, ErrorDetail, Id, Text500, Wire

Sdp = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SDP_BYTES)]


# -- requests ---------------------------------------------------------------------------
class Empty(Body):
    """An event that carries nothing (extra keys are ignored)."""


class JoinRequest(Body):
    room: Id | None = None  # a staff member names the room; a link's token already does
    consent: bool = False  # accepted the recording notice with the join
    barge_in: bool = False  # a command-center operator speaking into the room (room.barge)


class PublishRequest(Body):
    sdp: Sdp
    source: Literal["camera", "mic", "screen"] | None = None  # rooms.live_events.Source


class AnswerRequest(Body):
    sdp: Sdp


class ProducerRequest(Body):
    producer_id: Id


class LayerRequest(Body):
    """set-preferred-layer: which simulcast layer of one received stream (small tiles
    take a low one); names the consumer, or the producer it receives."""

    consumer_id: Id | None = None
    producer_id: Id | None = None
    layer: Literal["low", "mid", "high"]

    @model_validator(mode="after")
    def _names_one(self) -> LayerRequest:
        if not (self.consumer_id or self.producer_id):
            raise ValueError("consumerId or producerId is required")
        return self


class ParticipantRequest(Body):
    participant_id: Id


class MuteParticipantRequest(ParticipantRequest):
    kind: Literal["audio", "video"]


class ConsentRequest(Body):
    accepted: Literal[True]


# -- the session (signaling.session_events) -----------------------------------------------
class RaiseHandRequest(Body):
    raised: bool = True  # false lowers the hand


class ChatRequest(Body):
    text: Text500


class MinutesRequest(Body):
    text: str  # bounded by rooms.session_record (and the message size)
    version: int = Field(0, ge=0, le=10**9)  # the version edited from


# -- the waiting room (signaling.lobby_events) --------------------------------------------
class WaitingRequest(Body):
    waiting_id: Id


# -- the agreement and feedback (signaling.agreement_events) -------------------------------
class ProposeRequest(Body):
    content: dict[str, Any]  # checked by rooms.agreement_template.check_content


class SignRequest(Body):
    agreement_id: Id
    content_sha256: Id  # of the text the signer read
    image: Annotated[str, StringConstraints(max_length=64 * 1024)]  # data:image/png;base64,...


class FeedbackRequest(Body):
    rating: int = Field(ge=1, le=5)
    fair: bool | None = None
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


# -- answers ----------------------------------------------------------------------------
class RoomBrief(Wire):
    id: str
    name: str
    state: str


class ProducerInfo(Wire):
    id: str
    participant_id: str | None
    kind: str
    source: str
    paused: bool
    codec: str


class ParticipantInfo(Wire):
    id: str
    name: str
    role: str
    hand: bool = False  # asks the mediator for the floor
    producers: list[ProducerInfo]


class ConsumerInfo(Wire):
    id: str
    producer_id: str
    participant_id: str | None
    kind: str
    mid: str | None


class ConsentInfo(Wire):
    participant_id: str
    subject: str
    name: str
    role: str
    method: str  # "page" | "verbal"
    notice_sha256: str
    at: str
    recorded_by: str | None


class IceServer(Wire):
    urls: str


class RecordingInfo(Wire):
    active: bool
    recording_id: str | None
    started_at: float | None
    required: bool
    last_recording_id: str | None = None  # after a stop: the recording it sealed


class CommandSpeaking(Wire):
    """command-speaking: the command center's microphone is live in the room."""

    active: bool
    room_id: str
    participant_id: str
    producer_id: str
    name: str


class JoinAnswer(Wire):
    room: RoomBrief
    self_: ParticipantInfo = Field(alias="self")
    permissions: list[str]  # what this participant may do here (rooms.policy)
    resumed: bool
    participants: list[ParticipantInfo]
    ice_servers: list[IceServer]
    consents: list[ConsentInfo]
    recording: RecordingInfo
    # the session (signaling.session_events, lobby_events, agreement_events)
    started_at: float  # the session timer's zero (epoch seconds)
    server_time: float  # the hub's clock now (a phone's may be off)
    chat: list[dict[str, Any]]  # the room's chat so far
    agreement: dict[str, Any] | None  # the agreement out for signing or sealed
    cameras: list[dict[str, Any]] = Field(default_factory=list)  # camera tiles one sees
    command_speaking: list[CommandSpeaking] = Field(default_factory=list)
    # moderators only (absent, not null, for the others)
    minutes: dict[str, Any] | None = Field(None, exclude_if=lambda v: v is None)
    waiting: list[dict[str, Any]] | None = Field(None, exclude_if=lambda v: v is None)


class WaitingAnswer(Wire):
    """`join` for a party held in the waiting room (the socket stays open)."""

    waiting: Literal[True] = True
    room: RoomBrief
    self_: dict[str, str] = Field(alias="self")  # {name, role}
    waiting_since: float


class RaiseHandAnswer(Wire):
    raised: bool


class ChatAnswer(Wire):
    message: dict[str, Any]


class MinutesAnswer(Wire):
    minutes: dict[str, Any]


class AdmitAnswer(Wire):
    admitted: dict[str, Any]


class TurnAwayAnswer(Wire):
    turned_away: dict[str, Any]


class DraftAnswer(Wire):
    draft: dict[str, Any]
    signers: list[str]


class AgreementAnswer(Wire):
    agreement: dict[str, Any]
    sealing: bool | None = None  # after a signature: everyone signed, the PDF is being made


class FeedbackAnswer(Wire):
    thanks: bool = True


class PublishAnswer(Wire):
    sdp: str
    producers: list[ProducerInfo]


class SubscribeAnswer(Wire):
    sdp: str | None  # null: nothing to (re)negotiate
    consumers: list[ConsumerInfo]


class ConsentAnswer(Wire):
    consent: ConsentInfo


class RecordingAnswer(Wire):
    recording: RecordingInfo


class LayerAnswer(Wire):
    consumer_id: str
    layers: int  # simulcast layers the stream has (1: not simulcast)


class ErrorAck(Wire):
    ok: Literal[False] = False
    error: ErrorDetail


# -- cameras in the room (signaling.room_camera_events) ----------------------------------
CameraId = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class CameraRequest(Body):
    """camera-attach, -detach, -snapshot, -clip-start, -clip-stop."""

    camera_id: CameraId


class CameraShareRequest(Body):
    camera_id: CameraId
    shared: bool


class CameraPtzRequest(Body):
    """A PTZ move: each axis -1, 0 or 1; speed 1..255."""

    camera_id: CameraId
    pan: int = Field(0, ge=-1, le=1)
    tilt: int = Field(0, ge=-1, le=1)
    zoom: int = Field(0, ge=-1, le=1)
    speed: int = Field(0x80, ge=1, le=255)


class CameraListAnswer(Wire):
    cameras: list[dict[str, Any]]  # id, name, tileName, location, source, ptz, state, attached


class CameraTileAnswer(Wire):
    camera: dict[str, Any]  # a CameraTile (docs/protocol.md)


class CameraSharedAnswer(Wire):
    camera_id: str
    shared: bool


class EvidenceAnswer(Wire):
    evidence: dict[str, Any]  # evidenceId, kind, cameraId, ... (docs/protocol.md)


def ack(answer: Wire | None) -> dict[str, Any]:
    return {"ok": True, **(answer.model_dump(mode="json", by_alias=True) if answer else {})}


def error_ack(code: str, message: str) -> dict[str, Any]:
    return ErrorAck(error=ErrorDetail(code=code, message=message)).model_dump(mode="json")


__all__ = [
    "AdmitAnswer",
    "AgreementAnswer",
    "AnswerRequest",
    "CameraListAnswer",
    "CameraPtzRequest",
    "CameraRequest",
    "CameraShareRequest",
    "CameraSharedAnswer",
    "CameraTileAnswer",
    "ChatAnswer",
    "ChatRequest",
    "ConsentAnswer",
    "ConsentRequest",
    "DraftAnswer",
    "Empty",
    "ErrorAck",
    "EvidenceAnswer",
    "FeedbackAnswer",
    "FeedbackRequest",
    "JoinAnswer",
    "JoinRequest",
    "LayerAnswer",
    "LayerRequest",
    "MinutesAnswer",
    "MinutesRequest",
    "MuteParticipantRequest",
    "ParticipantInfo",
    "ParticipantRequest",
    "ProducerInfo",
    "ProducerRequest",
    "ProposeRequest",
    "PublishAnswer",
    "PublishRequest",
    "RaiseHandAnswer",
    "RaiseHandRequest",
    "RecordingAnswer",
    "RecordingInfo",
    "SignRequest",
    "SubscribeAnswer",
    "TurnAwayAnswer",
    "WaitingAnswer",
    "WaitingRequest",
    "ack",
    "error_ack",
]
