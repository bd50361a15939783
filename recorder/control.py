"""Recording control: this node's running recordings, driven by live-room events.

    control = RecordingControl(database, settings, data_dir, live_rooms)
    await control.start(room, by=mediator)      # ConsentMissing names who owes consent
    await control.stop(room.id, actor=...)      # sealed; its id
    control.state(room.id), control.running()  # what REST and the command center see

It listens to rooms.live_events: a consent given reaches the running recording
(that participant's producers are recorded from then on); staff with their own
login who join are "on duty"; where the organisation's policy requires recording,
it starts as soon as everyone present has consented; a room closing (ended,
emptied, the node stopping) stops and seals its recording before the media go.
Starts and stops are audited and announced on `observer` (RecordingStarted,
RecordingStopped) for the adapters to tell the room.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recorder.manifest import Consent as EvidenceConsent
from recorder.manifest import Participant as EvidenceParticipant
from recorder.manifest import RecordingMetadata
from recorder.recording import ConsentMissing, RoomRecorder
from recorder.settings import RecorderSettings
from recorder.signing import load_or_create_signing_key
from recorder.store import recordings_dir
from rooms.audit import do_append_audit
from rooms.db import Database
from rooms.domain import DomainError
from rooms.live_events import (
    ConsentGiven,
    ConsentMethod,
    ParticipantJoined,
    RoomClosing,
    RoomOpened,
)
from rooms.live_room import Consent, LiveParticipant, LiveRoom, LiveRooms
from rooms.observer import Observer
from rooms.tokens import invited

logger = logging.getLogger(__name__)

METHODS = {
    ConsentMethod.PAGE: "party-page-checkbox",
    ConsentMethod.VERBAL: "verbal-recorded-by-mediator",
}
STAFF_ON_DUTY = "staff-on-duty"
SYSTEM = "system"


@dataclass(frozen=True)
class RecordingState:
    """A room's recording as the pages and the command center see it."""

    active: bool
    recording_id: str | None = None
    started_at: float | None = None  # epoch seconds
    required: bool = False  # the organisation's policy requires recording this room

    def as_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "recordingId": self.recording_id,
            "startedAt": self.started_at,
            "required": self.required,
        }


@dataclass(frozen=True)
class RunningRecording:
    room_id: str
    recording_id: str
    started_at: float
    started_by: str
    required: bool


@dataclass(frozen=True)
class RecordingEvent:
    room: LiveRoom


@dataclass(frozen=True)
class RecordingStarted(RecordingEvent):
    recording: RunningRecording


@dataclass(frozen=True)
class RecordingStopped(RecordingEvent):
    recording_id: str
    actor: str


@dataclass(frozen=True)
class RecordingFailed(RecordingEvent):
    """The recording could not start, or its disk work failed (it is incomplete);
    monitoring listens (the command center raises recording_failed)."""

    recording_id: str
    error: str


def evidence_consent(consent: Consent) -> EvidenceConsent:
    return EvidenceConsent(
        participant_id=consent.participant_id,
        given_at=consent.at,
        method=METHODS.get(consent.method, str(consent.method)),
        notice_sha256=consent.notice_sha256,
        detail={"name": consent.name, "role": consent.role, "recordedBy": consent.recorded_by},
    )


def _invitee(participant: LiveParticipant) -> bool:
    return invited(participant.role, participant.subject)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class RecordingControl:
    """One per node (an AppKey); at most one running recording per live room."""

    def __init__(
        self,
        database: Database,
        settings: RecorderSettings,
        data_dir: Path,
        live_rooms: LiveRooms,
    ) -> None:
        self.database = database
        self.settings = settings
        self.data_dir = data_dir
        self.observer: Observer[RecordingEvent] = Observer()
        self._active: dict[str, tuple[RoomRecorder, RunningRecording, LiveRoom]] = {}
        live_rooms.observer.on(RoomOpened, self._watch)

    # -- what is running ---------------------------------------------------------------
    def state(self, room: LiveRoom | str) -> RecordingState:
        room_id = room if isinstance(room, str) else room.id
        required = False if isinstance(room, str) else room.recording_required
        entry = self._active.get(room_id)
        if entry is None:
            return RecordingState(active=False, required=required)
        running = entry[1]
        return RecordingState(True, running.recording_id, running.started_at, required)

    def running(self) -> list[RunningRecording]:
        return [entry[1] for entry in self._active.values()]

    # -- listening to live rooms ----------------------------------------------------------
    def _watch(self, event: RoomOpened) -> None:
        observer = event.room.observer
        observer.on(ParticipantJoined, self._joined)
        observer.on(ConsentGiven, self._consented)
        observer.on(RoomClosing, self._closing)

    async def _joined(self, event: ParticipantJoined) -> None:
        entry = self._active.get(event.room.id)
        participant = event.participant
        if entry is not None and not _invitee(participant):
            entry[0].add_consent(EvidenceConsent(participant.id, _now(), STAFF_ON_DUTY, ""))
        await self._start_if_required(event.room, participant)

    async def _consented(self, event: ConsentGiven) -> None:
        entry = self._active.get(event.room.id)
        if entry is not None:
            entry[0].add_consent(evidence_consent(event.consent))
        by = event.room.get(event.consent.recorded_by or event.consent.participant_id)
        if by is not None:
            await self._start_if_required(event.room, by)

    async def _closing(self, event: RoomClosing) -> None:
        await self.stop(event.room.id, actor=event.by or SYSTEM)

    async def _start_if_required(self, room: LiveRoom, by: LiveParticipant) -> None:
        """Recording is required here: start it as soon as a party is in the room
        (admitted from the waiting room, or entered where there is none; never while
        staff are alone) and everyone present consented (one who joined before the
        policy may still owe it)."""
        if not room.recording_required or room.closed or room.id in self._active:
            return
        if not any(_invitee(p) for p in room.participants):
            return  # nobody admitted yet: nothing is recorded before the first party
        try:
            await self.start(room, by, required=True)
        except ConsentMissing as exc:
            logger.info("room %s: required recording waits for consent of %s", room.id, exc.names)

    # -- start and stop --------------------------------------------------------------------
    async def start(
        self, room: LiveRoom, by: LiveParticipant, *, required: bool = False
    ) -> RecordingState:
        """Start recording the room (by a mediator, or because policy requires it
        and `by` is who came in); ConsentMissing names invitees (parties, guests,
        observers, a CLI-invited mediator) who have not consented."""
        if room.id in self._active:
            return self.state(room)
        missing = room.missing_consent(_invitee)
        if missing:
            raise ConsentMissing("、".join(p.name for p in missing))
        metadata = RecordingMetadata(
            case_id=room.facts.case_id or "",
            room=room.name,
            organisation=room.facts.organisation_id or "",
            participants=[
                EvidenceParticipant(
                    p.id,
                    p.name,
                    p.role,
                    "invitation-link" if _invitee(p) else "staff-access-token",
                )
                for p in room.participants
            ],
            started_by=f"{by.name} (按机构规定 / required by policy)" if required else by.name,
        )
        recorder = RoomRecorder(
            room.router,
            recordings_dir(self.data_dir),
            metadata,
            # staff with their own login consent by being on duty; invitees never do
            [evidence_consent(c) for c in room.consents.values()]
            + [
                EvidenceConsent(p.id, _now(), STAFF_ON_DUTY, "")
                for p in room.participants
                if not _invitee(p) and p.id not in room.consents
            ],
            load_or_create_signing_key(self.data_dir),
            self.settings,
        )
        recorder.observer.on(
            "failed",
            lambda exc: self.observer.emit_soon(RecordingFailed(room, recorder.id, str(exc))),
        )
        try:
            await recorder.start()
        except Exception as exc:
            await self.observer.emit(RecordingFailed(room, recorder.id, str(exc)))
            raise
        running = RunningRecording(room.id, recorder.id, time.time(), by.subject, required)
        self._active[room.id] = (recorder, running, room)
        logger.info("recording %s started in room %s by %s", recorder.id, room.id, by.name)
        await self._audit(
            by.subject, "recording.start", recorder.id, {"room": room.id, "required": required}
        )
        await self.observer.emit(RecordingStarted(room, running))
        return self.state(room)

    async def stop_by(self, room: LiveRoom, participant: LiveParticipant) -> str | None:
        """A moderator stops the recording; refused where policy requires it
        (it stops when the room ends)."""
        if room.recording_required:
            raise DomainError(
                "recording_required",
                "本机构要求全程录制，调解结束时自动停止"
                " / recording is required here; it stops when the room ends",
                409,
            )
        return await self.stop(room.id, actor=participant.subject)

    async def stop(self, room_id: str, *, actor: str = SYSTEM) -> str | None:
        """Stop and seal the room's recording (audited); its id, None if none ran."""
        entry = self._active.pop(room_id, None)
        if entry is None:
            return None
        recorder, _, room = entry
        await recorder.stop()
        logger.info("recording %s sealed", recorder.id)
        await self._audit(actor, "recording.stop", recorder.id, {"room": room_id})
        await self.observer.emit(RecordingStopped(room, recorder.id, actor))
        return recorder.id

    async def stop_all(self) -> None:
        for room_id in list(self._active):
            await self.stop(room_id)

    async def _audit(self, actor: str, action: str, recording_id: str, detail: Any) -> None:
        await self.database.run(
            lambda s: do_append_audit(
                s, actor=actor, action=action, target=f"recording:{recording_id}", detail=detail
            )
        )


__all__ = [
    "RecordingControl",
    "RecordingEvent",
    "RecordingFailed",
    "RecordingStarted",
    "RecordingState",
    "RecordingStopped",
    "RunningRecording",
    "evidence_consent",
]
