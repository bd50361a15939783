"""Recording control for live rooms: start/stop a RoomRecorder, feed it consents.

Lives in signaling because recorder/ sits above rooms/: the live room knows
consents, the recorder knows evidence; this module joins them."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from command_center.alarms import RECORDING_FAILED
from recorder.manifest import Consent as EvidenceConsent
from recorder.manifest import Participant as EvidenceParticipant
from recorder.manifest import RecordingMetadata
from recorder.recording import ConsentMissing, RoomRecorder
from recorder.signing import load_or_create_signing_key
from recorder.store import recordings_dir
from rooms.audit import do_append_audit
from rooms.live_room import Consent, LiveParticipant, LiveRoom
from rooms.models import Room
from rooms.tokens import invited
from signaling.keys import ALARMS, CONFIG, DATABASE

logger = logging.getLogger(__name__)

METHODS = {"page": "party-page-checkbox", "verbal": "verbal-recorded-by-mediator"}


def evidence_consent(consent: Consent) -> EvidenceConsent:
    return EvidenceConsent(
        participant_id=consent.participant_id,
        given_at=consent.at,
        method=METHODS.get(consent.method, consent.method),
        notice_sha256=consent.notice_sha256,
        detail={"name": consent.name, "role": consent.role, "recordedBy": consent.recorded_by},
    )


class Recordings:
    """This node's running recordings, one per live room at most."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._active: dict[str, tuple[RoomRecorder, float]] = {}

    def state(self, room_id: str) -> dict[str, Any]:
        entry = self._active.get(room_id)
        if entry is None:
            return {"active": False, "recordingId": None, "startedAt": None}
        recorder, started = entry
        return {"active": True, "recordingId": recorder.id, "startedAt": started}

    async def start(
        self, room: LiveRoom, stored: Room, by: LiveParticipant, *, required: bool = False
    ) -> dict[str, Any]:
        """Start recording the room (by a mediator, or because policy requires it
        and `by` is who came in); ConsentMissing names invitees (parties, guests,
        observers, a CLI-invited mediator) who have not consented."""
        if room.id in self._active:
            return self.state(room.id)
        invitees = [p for p in room.participants if invited(p.role, p.subject)]
        missing = [p.name for p in invitees if p.id not in room.consents]
        if missing:
            raise ConsentMissing("、".join(missing))
        config = self.app[CONFIG]
        data_dir: Path = config.server.data_dir
        metadata = RecordingMetadata(
            case_id=stored.case_id or "",
            room=stored.name,
            organisation=stored.organisation_id or "",
            participants=[
                EvidenceParticipant(
                    p.id,
                    p.name,
                    p.role,
                    "invitation-link" if invited(p.role, p.subject) else "staff-access-token",
                )
                for p in room.participants
            ],
            started_by=f"{by.name} (按机构规定 / required by policy)" if required else by.name,
        )
        recorder = RoomRecorder(
            room.router,
            recordings_dir(data_dir),
            metadata,
            # staff with their own login consent by being on duty; invitees never do
            [evidence_consent(c) for c in room.consents.values()]
            + [
                EvidenceConsent(p.id, _now(), "staff-on-duty", "")
                for p in room.participants
                if not invited(p.role, p.subject) and p.id not in room.consents
            ],
            load_or_create_signing_key(data_dir),
            config.recorder,
        )
        monitor = self.app[ALARMS].monitor
        recorder.observer.on(
            "failed",
            lambda exc: monitor.report(RECORDING_FAILED, room.id, recorder.id, error=str(exc)),
        )
        try:
            await recorder.start()
        except Exception as exc:
            monitor.report(RECORDING_FAILED, room.id, recorder.id, error=str(exc))
            raise
        self._active[room.id] = (recorder, time.time())
        logger.info("recording %s started in room %s by %s", recorder.id, room.id, by.name)
        await self._audit(
            by.subject, "recording.start", recorder.id, {"room": room.id, "required": required}
        )
        return self.state(room.id)

    async def _audit(self, actor: str, action: str, recording_id: str, detail: Any) -> None:
        await self.app[DATABASE].run(
            lambda s: do_append_audit(
                s, actor=actor, action=action, target=f"recording:{recording_id}", detail=detail
            )
        )

    def consent_given(self, room_id: str, consent: Consent) -> None:
        entry = self._active.get(room_id)
        if entry is not None:
            entry[0].add_consent(evidence_consent(consent))

    def staff_joined(self, room_id: str, participant: LiveParticipant) -> None:
        entry = self._active.get(room_id)
        if entry is not None and not invited(participant.role, participant.subject):
            entry[0].add_consent(EvidenceConsent(participant.id, _now(), "staff-on-duty", ""))

    async def stop(self, room_id: str, *, actor: str = "system") -> str | None:
        """Stop and seal the room's recording (audited); its id, None if none ran."""
        entry = self._active.pop(room_id, None)
        if entry is None:
            return None
        recorder = entry[0]
        await recorder.stop()
        logger.info("recording %s sealed", recorder.id)
        await self._audit(actor, "recording.stop", recorder.id, {"room": room_id})
        return recorder.id

    async def stop_all(self) -> None:
        for room_id in list(self._active):
            await self.stop(room_id)


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
