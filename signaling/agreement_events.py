"""socket.io events of the mediation agreement and the parties' feedback
(docs/protocol.md, "Agreement"): the mediator drafts the agreement from the case
(`agreement-draft`), puts it before the signers (`agreement-propose`); each signer
reads it and signs with a finger (`agreement-sign`, a PNG); when everyone has
signed, the PDF is made and sealed as evidence in a worker process
(recorder.agreement_pdf, recorder.document_evidence) and the room is told
(`agreement`); the parties are then asked how it went (`feedback-request`, `feedback`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import io
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from aiohttp import web

from recorder.agreement_pdf import SignatureImage
from recorder.document_evidence import SealedDocument, seal_agreement
from rooms import agreement_template
from rooms.domain import DomainError
from rooms.live_room import LiveParticipant, LiveRoom
from rooms.models import AGREEMENT_SIGNING, Agreement, Case, RoomMinutes
from rooms.session_record import (
    MAX_SIGNATURE_BYTES,
    agreement_json,
    check_signature_png,
    current_agreement,
    do_propose_agreement,
    do_seal_agreement,
    do_sign_agreement,
    do_submit_feedback,
    iso,
    signatures_of,
)
from rooms.tokens import GUEST, PARTY
from signaling.errors import fail
from signaling.keys import DATABASE, RECORDINGS, SERVER
from signaling.room_messages import (
    AgreementAnswer,
    DraftAnswer,
    Empty,
    FeedbackAnswer,
    FeedbackRequest,
    ProposeRequest,
    SignRequest,
)
from signaling.session_events import Events, author, moderates

if TYPE_CHECKING:
    from signaling.room_namespace import RoomNamespace
    from signaling.socket_session import SocketSession

logger = logging.getLogger(__name__)

SIGNER_ROLES = (PARTY, GUEST)
MAX_SIGNATURE_PIXELS = (2000, 1000)
PNG_DATA_URL = "data:image/png;base64,"


def _png(value: str) -> bytes:
    if not value.startswith(PNG_DATA_URL):
        raise fail("bad_request", "签名须为 PNG 图片 / image must be a data:image/png URL")
    if len(value) > len(PNG_DATA_URL) + (MAX_SIGNATURE_BYTES * 4) // 3 + 4:
        raise fail("bad_request", "签名图片过大 / the signature image is too large")
    try:
        return base64.b64decode(value[len(PNG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        raise fail("bad_request", "签名图片编码错误 / bad base64") from None


def _check_image(png: bytes) -> None:
    """Decode the PNG (in a thread): a picture of sane size, not a decompression bomb."""
    from PIL import Image

    check_signature_png(png)
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise ValueError("not a PNG")
            width, height = image.size
            if width > MAX_SIGNATURE_PIXELS[0] or height > MAX_SIGNATURE_PIXELS[1]:
                raise ValueError("too large")
            image.verify()
    except Exception as exc:
        raise DomainError("bad_request", f"签名图片无效 / invalid signature image: {exc}") from None


class AgreementEvents:
    def __init__(self, namespace: RoomNamespace) -> None:
        self.ns = namespace
        self._sealing: dict[str, asyncio.Lock] = {}
        self._pool: ProcessPoolExecutor | None = None

    def _worker(self) -> ProcessPoolExecutor:
        """One worker process for PDFs (made on first use, spawned, not forked: the
        hub has threads). The font work never competes with the media loop."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def app(self) -> web.Application:
        return self.ns.app

    def events(self) -> Events:
        """event -> (request model, handler), merged into RoomNamespace.events."""
        return {
            "agreement-draft": (Empty, self.draft),
            "agreement-propose": (ProposeRequest, self.propose),
            "agreement-sign": (SignRequest, self.sign),
            "feedback-request": (Empty, self.request_feedback),
            "feedback": (FeedbackRequest, self.feedback),
        }

    async def extras(self, room: LiveRoom) -> dict[str, Any]:
        """The join answer carries the room's agreement, if one is out."""
        async with self.app[DATABASE].session() as db:
            agreement = await current_agreement(db, room.id)
            if agreement is None:
                return {"agreement": None}
            return {"agreement": agreement_json(agreement, await signatures_of(db, agreement.id))}

    def _moderator(self, session: SocketSession) -> tuple[LiveRoom, LiveParticipant]:
        room, participant = session.joined()
        if not moderates(participant):
            raise fail("forbidden", "只有调解员可以制作协议书 / mediators only")
        return room, participant

    async def draft(self, session: SocketSession, data: Empty) -> DraftAnswer:
        """A draft from the case, the organisation's template, who is here and the minutes."""
        room, mediator = self._moderator(session)
        stored = await self.ns.session_events.stored_room(room.id)
        async with self.app[DATABASE].session() as db:
            case = await db.get(Case, stored.case_id) if stored.case_id else None
            template = await agreement_template.effective_template(db, stored.organisation_id)
            minutes = await db.get(RoomMinutes, room.id)
        present = [{"name": p.name} for p in room.participants if p.role in SIGNER_ROLES]
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
        content = agreement_template.draft(
            template,
            case=case,
            present=present,
            mediator=mediator.name,
            minutes=minutes.text if minutes else "",
            today=today,
        )
        return DraftAnswer(draft=content, signers=[p["name"] for p in present] + [mediator.name])

    async def propose(self, session: SocketSession, data: ProposeRequest) -> AgreementAnswer:
        """Put the agreement before everyone who must sign: the parties present
        and the mediator proposing it."""
        room, mediator = self._moderator(session)
        content = agreement_template.check_content(data.content)
        signers = [
            {"subject": p.subject, "name": p.name, "role": p.role, "participantId": p.id}
            for p in room.participants
            if p.role in SIGNER_ROLES
        ]
        if not signers:
            raise fail("no_parties", "没有当事人在场，无法签署 / no party is here to sign")
        signers.append(
            {
                "subject": mediator.subject,
                "name": mediator.name,
                "role": "mediator",
                "participantId": mediator.id,
            }
        )
        stored = await self.ns.session_events.stored_room(room.id)
        agreement = await self.app[DATABASE].run(
            lambda db: do_propose_agreement(db, stored, author(mediator), content, signers)
        )
        payload = agreement_json(agreement, [])
        self.ns.to_room(room.id, "agreement", payload)
        return AgreementAnswer(agreement=payload)

    async def sign(self, session: SocketSession, data: SignRequest) -> AgreementAnswer:
        """One signer signs the text they read (contentSha256) with a finger (a PNG)."""
        room, participant = session.joined()
        agreement_id, content_sha256 = data.agreement_id, data.content_sha256
        png = _png(data.image)
        await asyncio.to_thread(_check_image, png)
        signer = author(participant)
        if moderates(participant):  # a mediator signs as the room's mediator
            signer = signer.__class__(
                signer.participant_id, signer.subject, signer.name, "mediator"
            )

        async def record(db: Any) -> tuple[Agreement, bool]:
            return await do_sign_agreement(
                db, agreement_id, room.id, signer, content_sha256=content_sha256, image=png
            )

        agreement, complete = await self.app[DATABASE].run(record)
        payload = await self._announce(room.id, agreement.id)
        if complete:  # the PDF takes seconds: everyone hears `agreement` (sealed) when done
            self.ns._spawn(self._seal_logged(room.id, agreement.id, participant.subject))
        return AgreementAnswer(agreement=payload, sealing=complete)

    async def _seal_logged(self, room_id: str, agreement_id: str, actor: str) -> None:
        try:
            await self.seal(room_id, agreement_id, actor=actor)
        except Exception:
            logger.exception("agreement %s: sealing failed", agreement_id)
            self.ns.to_room(room_id, "agreement-error", {"agreementId": agreement_id})

    async def _announce(self, room_id: str, agreement_id: str) -> dict[str, Any]:
        async with self.app[DATABASE].session() as db:
            agreement = await db.get(Agreement, agreement_id)
            assert agreement is not None
            payload = agreement_json(agreement, await signatures_of(db, agreement_id))
        self.ns.to_room(room_id, "agreement", payload)
        return payload

    async def seal(self, room_id: str, agreement_id: str, *, actor: str) -> dict[str, Any]:
        """Everyone signed: make the PDF and seal it (in a thread), mark the
        agreement sealed (audited), tell the room, ask the parties for feedback."""
        lock = self._sealing.setdefault(agreement_id, asyncio.Lock())
        async with lock:
            async with self.app[DATABASE].session() as db:
                agreement = await db.get(Agreement, agreement_id)
                assert agreement is not None
                if agreement.state != AGREEMENT_SIGNING:
                    return agreement_json(agreement, await signatures_of(db, agreement_id))
                signatures = await signatures_of(db, agreement_id)
                case = await db.get(Case, agreement.case_id) if agreement.case_id else None
                content = dict(agreement.content)
                about = {
                    "kind": "mediation-agreement",
                    "agreement_id": agreement.id,
                    "case": {"id": agreement.case_id or "", "number": case.number if case else ""},
                    "room": room_id,
                    "organisation": agreement.organisation_id or "",
                    "content_sha256": agreement.content_sha256,
                    "signers": [
                        {
                            "name": s.name,
                            "role": s.role,
                            "signed_at": iso(s.signed_at),
                            "image_sha256": s.image_sha256,
                            "content_sha256": s.content_sha256,
                        }
                        for s in signatures
                    ],
                }
                images = [
                    SignatureImage(s.name, s.role, s.image, _shown_time(s.signed_at))
                    for s in signatures
                ]
            sealed: SealedDocument = await asyncio.get_running_loop().run_in_executor(
                self._worker(),
                seal_agreement,
                self.app[SERVER].data_dir,
                self.app[RECORDINGS].settings.hash_algorithm,
                content,
                images,
                about,
                f"协议书编号 {agreement_id}",
            )
            await self.app[DATABASE].run(
                lambda db: do_seal_agreement(
                    db,
                    agreement_id,
                    evidence_id=sealed.evidence_id,
                    pdf_sha256=sealed.file_hashes["agreement.pdf"],
                    manifest_sha256=sealed.manifest_sha256,
                    actor=actor,
                )
            )
            logger.info("agreement %s sealed as %s", agreement_id, sealed.evidence_id)
        self._sealing.pop(agreement_id, None)
        payload = await self._announce(room_id, agreement_id)
        self.ns.to_room(room_id, "feedback-request", {"agreementId": agreement_id})
        return payload

    async def request_feedback(self, session: SocketSession, data: Empty) -> None:
        """The mediator asks the parties for their 评价 (sessions without an agreement)."""
        room, _ = self._moderator(session)
        self.ns.to_room(room.id, "feedback-request", {})

    async def feedback(self, session: SocketSession, data: FeedbackRequest) -> FeedbackAnswer:
        room, participant = session.joined()
        if participant.role not in SIGNER_ROLES:
            raise fail("forbidden", "评价由当事人填写 / parties give feedback")
        rating, fair, comment = data.rating, data.fair, data.comment or ""
        stored = await self.ns.session_events.stored_room(room.id)
        await self.app[DATABASE].run(
            lambda db: do_submit_feedback(
                db, stored, author(participant), rating=rating, fair=fair, comment=comment
            )
        )
        return FeedbackAnswer()


def _shown_time(at: dt.datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    cst = at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return cst.strftime("%Y-%m-%d %H:%M")
