"""What a mediation session leaves with its case: the room's chat, the mediator's
minutes (笔录), the mediation agreement (调解协议书) with each signer's finger
signature, and the parties' satisfaction forms (评价).

Writes are do_<verb>_<noun>: each appends its audit entry and never commits (the
caller's unit of work does, rooms.transaction). Texts are audited by their
SHA-256, not copied into the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.models import (
    AGREEMENT_SEALED,
    AGREEMENT_SIGNING,
    AGREEMENT_WITHDRAWN,
    Agreement,
    AgreementSignature,
    ChatMessage,
    Feedback,
    Room,
    RoomMinutes,
    utcnow,
)

MAX_CHAT_CHARS = 500
MAX_MINUTES_CHARS = 20_000
MAX_COMMENT_CHARS = 500
MAX_SIGNATURE_BYTES = 40 * 1024  # a finger signature as PNG: a few KiB (base64 fits 64 KiB)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of an agreement's content as canonical JSON: what signers sign."""
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


@dataclass(frozen=True)
class Author:
    """Who writes: a participant of the room (its live id and token subject)."""

    participant_id: str
    subject: str
    name: str
    role: str


# -- chat ----------------------------------------------------------------------------
def chat_json(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "participantId": message.participant_id,
        "name": message.name,
        "role": message.role,
        "text": message.text,
        "at": iso(message.at),
    }


async def do_post_chat_message(
    session: AsyncSession, room: Room, author: Author, text: str
) -> ChatMessage:
    text = text.strip()
    if not text:
        raise DomainError("bad_request", "消息不能为空 / the message is empty")
    if len(text) > MAX_CHAT_CHARS:
        raise DomainError(
            "bad_request", f"消息最多 {MAX_CHAT_CHARS} 字 / at most {MAX_CHAT_CHARS} characters"
        )
    message = ChatMessage(
        room_id=room.id,
        case_id=room.case_id,
        participant_id=author.participant_id,
        subject=author.subject,
        name=author.name,
        role=author.role,
        text=text,
    )
    session.add(message)
    await session.flush()
    await do_append_audit(
        session,
        actor=author.subject,
        action="chat.send",
        target=f"room:{room.id}",
        detail={"message": message.id, "sha256": sha256_text(text)},
    )
    return message


async def room_chat(session: AsyncSession, room_id: str, limit: int = 200) -> list[ChatMessage]:
    rows = await session.scalars(
        select(ChatMessage)
        .where(ChatMessage.room_id == room_id)
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


# -- minutes ---------------------------------------------------------------------------
def minutes_json(minutes: RoomMinutes | None) -> dict[str, Any]:
    if minutes is None:
        return {"text": "", "version": 0, "updatedAt": None}
    return {"text": minutes.text, "version": minutes.version, "updatedAt": iso(minutes.updated_at)}


async def do_save_minutes(
    session: AsyncSession, room: Room, author: Author, text: str, *, base_version: int
) -> RoomMinutes:
    """Replace the room's minutes. `base_version` is the version the editor
    started from: another mediator's save in between is a `conflict`."""
    if len(text) > MAX_MINUTES_CHARS:
        raise DomainError(
            "bad_request",
            f"笔录最多 {MAX_MINUTES_CHARS} 字 / minutes of at most {MAX_MINUTES_CHARS} characters",
        )
    minutes = await session.get(RoomMinutes, room.id, populate_existing=True)
    if minutes is None:
        if base_version != 0:
            raise DomainError("conflict", "笔录已被他人修改 / the minutes changed", 409)
        minutes = RoomMinutes(
            room_id=room.id, case_id=room.case_id, text=text, version=1, updated_by=author.subject
        )
        session.add(minutes)
    else:
        result = await session.execute(
            update(RoomMinutes)
            .where(RoomMinutes.room_id == room.id, RoomMinutes.version == base_version)
            .values(
                text=text, version=base_version + 1, updated_by=author.subject, updated_at=utcnow()
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise DomainError("conflict", "笔录已被他人修改 / the minutes changed", 409)
        await session.refresh(minutes)
    await session.flush()
    await do_append_audit(
        session,
        actor=author.subject,
        action="minutes.save",
        target=f"room:{room.id}",
        detail={"version": minutes.version, "sha256": sha256_text(text), "chars": len(text)},
    )
    return minutes


# -- agreement -----------------------------------------------------------------------------
def agreement_json(agreement: Agreement, signatures: list[AgreementSignature]) -> dict[str, Any]:
    signed = {s.subject: s for s in signatures}
    return {
        "id": agreement.id,
        "roomId": agreement.room_id,
        "caseId": agreement.case_id,
        "state": agreement.state,
        "content": agreement.content,
        "contentSha256": agreement.content_sha256,
        "signers": [
            {
                "name": s["name"],
                "role": s["role"],
                "participantId": s.get("participantId"),
                "signed": s["subject"] in signed,
                "signedAt": iso(signed[s["subject"]].signed_at) if s["subject"] in signed else None,
            }
            for s in agreement.signers
        ],
        "createdAt": iso(agreement.created_at),
        "sealedAt": iso(agreement.sealed_at),
        "evidenceId": agreement.evidence_id,
        "pdfSha256": agreement.pdf_sha256,
    }


async def current_agreement(session: AsyncSession, room_id: str) -> Agreement | None:
    """The room's agreement being signed or sealed (the newest not withdrawn)."""
    return await session.scalar(
        select(Agreement)
        .where(Agreement.room_id == room_id, Agreement.state != AGREEMENT_WITHDRAWN)
        .order_by(Agreement.created_at.desc())
        .limit(1)
    )


async def signatures_of(session: AsyncSession, agreement_id: str) -> list[AgreementSignature]:
    rows = await session.scalars(
        select(AgreementSignature)
        .where(AgreementSignature.agreement_id == agreement_id)
        .order_by(AgreementSignature.id)
    )
    return list(rows)


async def do_propose_agreement(
    session: AsyncSession,
    room: Room,
    author: Author,
    content: dict[str, Any],
    signers: list[dict[str, Any]],
) -> Agreement:
    """Put an agreement before its signers (replacing one not yet sealed: its
    signatures no longer count, as the text they signed is gone)."""
    if not signers:
        raise DomainError("bad_request", "没有需要签字的人 / nobody to sign")
    previous = await current_agreement(session, room.id)
    if previous is not None and previous.state == AGREEMENT_SEALED:
        raise DomainError(
            "agreement_sealed", "本调解室的协议书已签署封存 / the agreement is already sealed", 409
        )
    if previous is not None:
        previous.state = AGREEMENT_WITHDRAWN
        await do_append_audit(
            session,
            actor=author.subject,
            action="agreement.withdraw",
            target=f"agreement:{previous.id}",
            detail={"room": room.id},
        )
    agreement = Agreement(
        room_id=room.id,
        case_id=room.case_id,
        organisation_id=room.organisation_id,
        state=AGREEMENT_SIGNING,
        content=content,
        content_sha256=content_hash(content),
        signers=signers,
        created_by=author.subject,
    )
    session.add(agreement)
    await session.flush()
    await do_append_audit(
        session,
        actor=author.subject,
        action="agreement.propose",
        target=f"agreement:{agreement.id}",
        detail={
            "room": room.id,
            "contentSha256": agreement.content_sha256,
            "signers": [s["name"] for s in signers],
        },
    )
    return agreement


def check_signature_png(image: bytes) -> None:
    if not image.startswith(PNG_MAGIC):
        raise DomainError("bad_request", "签名须为 PNG 图片 / the signature must be a PNG")
    if len(image) > MAX_SIGNATURE_BYTES:
        raise DomainError("bad_request", "签名图片过大 / the signature image is too large")


async def do_sign_agreement(
    session: AsyncSession,
    agreement_id: str,
    room_id: str,
    signer: Author,
    *,
    content_sha256: str,
    image: bytes,
) -> tuple[Agreement, bool]:
    """Record one signer's signature on the exact text they read (`content_sha256`
    must be the agreement's). Returns (agreement, everyone has signed)."""
    check_signature_png(image)
    agreement = await session.get(Agreement, agreement_id, populate_existing=True)
    if agreement is None or agreement.room_id != room_id:
        raise DomainError("not_found", "协议书不存在 / no such agreement", 404)
    if agreement.state != AGREEMENT_SIGNING:
        raise DomainError("invalid_state", "协议书不在签署中 / the agreement is not open to sign")
    if content_sha256 != agreement.content_sha256:
        raise DomainError(
            "conflict", "协议书内容已更改，请重新阅读 / the agreement changed: read it again", 409
        )
    if signer.subject not in {s["subject"] for s in agreement.signers}:
        raise DomainError("forbidden", "您不是此协议书的签字人 / you are not a signer", 403)
    existing = await signatures_of(session, agreement.id)
    if any(s.subject == signer.subject for s in existing):
        raise DomainError("already_signed", "您已签字 / you have signed already", 409)
    signature = AgreementSignature(
        agreement_id=agreement.id,
        subject=signer.subject,
        name=signer.name,
        role=signer.role,
        image=image,
        image_sha256=hashlib.sha256(image).hexdigest(),
        content_sha256=content_sha256,
    )
    session.add(signature)
    await session.flush()
    await do_append_audit(
        session,
        actor=signer.subject,
        action="agreement.sign",
        target=f"agreement:{agreement.id}",
        detail={"imageSha256": signature.image_sha256, "contentSha256": content_sha256},
    )
    signed = {s.subject for s in existing} | {signer.subject}
    return agreement, all(s["subject"] in signed for s in agreement.signers)


async def do_seal_agreement(
    session: AsyncSession,
    agreement_id: str,
    *,
    evidence_id: str,
    pdf_sha256: str,
    manifest_sha256: str,
    actor: str,
) -> Agreement:
    """The PDF is made and sealed as evidence: the agreement is final."""
    agreement = await session.get(Agreement, agreement_id, populate_existing=True)
    if agreement is None:
        raise DomainError("not_found", "协议书不存在 / no such agreement", 404)
    if agreement.state != AGREEMENT_SIGNING:
        raise DomainError("invalid_state", "协议书不在签署中 / the agreement is not open to sign")
    agreement.state = AGREEMENT_SEALED
    agreement.sealed_at = utcnow()
    agreement.evidence_id = evidence_id
    agreement.pdf_sha256 = pdf_sha256
    await do_append_audit(
        session,
        actor=actor,
        action="agreement.seal",
        target=f"agreement:{agreement.id}",
        detail={
            "evidence": evidence_id,
            "pdfSha256": pdf_sha256,
            "manifestSha256": manifest_sha256,
        },
    )
    return agreement


# -- feedback ------------------------------------------------------------------------------
def feedback_json(feedback: Feedback) -> dict[str, Any]:
    return {
        "name": feedback.name,
        "rating": feedback.rating,
        "fair": feedback.fair,
        "comment": feedback.comment,
        "at": iso(feedback.at),
    }


async def do_submit_feedback(
    session: AsyncSession,
    room: Room,
    author: Author,
    *,
    rating: int,
    fair: bool | None,
    comment: str,
) -> Feedback:
    """A party's 评价 of the session, once per room (sending again replaces it)."""
    if not 1 <= rating <= 5:
        raise DomainError("bad_request", "评分应为 1–5 / rating must be 1-5")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise DomainError("bad_request", f"意见最多 {MAX_COMMENT_CHARS} 字 / comment too long")
    feedback = await session.scalar(
        select(Feedback).where(Feedback.room_id == room.id, Feedback.subject == author.subject)
    )
    if feedback is None:
        feedback = Feedback(room_id=room.id, case_id=room.case_id, subject=author.subject)
        session.add(feedback)
    feedback.name = author.name
    feedback.rating = rating
    feedback.fair = fair
    feedback.comment = comment
    feedback.at = utcnow()
    await session.flush()
    await do_append_audit(
        session,
        actor=author.subject,
        action="feedback.submit",
        target=f"room:{room.id}",
        detail={"rating": rating, "fair": fair},
    )
    return feedback


# -- the case's record ------------------------------------------------------------------------
async def case_record(session: AsyncSession, case_id: str) -> dict[str, Any]:
    """Everything the case's sessions left: per room, chat, minutes, agreements
    (with who signed) and feedback."""
    rooms = list(
        await session.scalars(select(Room).where(Room.case_id == case_id).order_by(Room.created_at))
    )
    out = []
    for room in rooms:
        agreements = list(
            await session.scalars(
                select(Agreement)
                .where(Agreement.room_id == room.id, Agreement.state != AGREEMENT_WITHDRAWN)
                .order_by(Agreement.created_at)
            )
        )
        feedback = list(
            await session.scalars(
                select(Feedback).where(Feedback.room_id == room.id).order_by(Feedback.id)
            )
        )
        out.append(
            {
                "room": {"id": room.id, "name": room.name, "state": room.state},
                "chat": [chat_json(m) for m in await room_chat(session, room.id, limit=1000)],
                "minutes": minutes_json(await session.get(RoomMinutes, room.id)),
                "agreements": [
                    agreement_json(a, await signatures_of(session, a.id)) for a in agreements
                ],
                "feedback": [feedback_json(f) for f in feedback],
            }
        )
    return {"caseId": case_id, "rooms": out}
