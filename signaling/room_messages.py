"""The socket.io protocol's requests and answers as models (docs/protocol.md).

A request's one JSON object is decoded by signaling.decoder (hostile JSON
refused) and validated by its event's model; an answer is {ok: true, ...the
answer model} or {ok: false, error: {code, message}} (ErrorAck).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from media.peer_transport import MAX_SDP_BYTES
from signaling.models import Body, ErrorDetail, Id, Wire

Sdp = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SDP_BYTES)]


# -- requests ---------------------------------------------------------------------------
class Empty(Body):
    """An event that carries nothing (extra keys are ignored)."""


class JoinRequest(Body):
    room: Id | None = None  # a staff member names the room; a link's token already does
    consent: bool = False  # accepted the recording notice with the join


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


class JoinAnswer(Wire):
    room: RoomBrief
    self_: ParticipantInfo = Field(alias="self")
    permissions: list[str]  # what this participant may do here (rooms.policy)
    resumed: bool
    participants: list[ParticipantInfo]
    ice_servers: list[IceServer]
    consents: list[ConsentInfo]
    recording: RecordingInfo
    cameras: list[dict[str, Any]] = Field(default_factory=list)  # camera tiles one sees


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
    "AnswerRequest",
    "CameraListAnswer",
    "CameraPtzRequest",
    "CameraRequest",
    "CameraShareRequest",
    "CameraSharedAnswer",
    "CameraTileAnswer",
    "ConsentAnswer",
    "ConsentRequest",
    "Empty",
    "ErrorAck",
    "EvidenceAnswer",
    "JoinAnswer",
    "JoinRequest",
    "LayerAnswer",
    "LayerRequest",
    "MuteParticipantRequest",
    "ParticipantInfo",
    "ParticipantRequest",
    "ProducerInfo",
    "ProducerRequest",
    "PublishAnswer",
    "PublishRequest",
    "RecordingAnswer",
    "RecordingInfo",
    "SubscribeAnswer",
    "ack",
    "error_ack",
]
