"""What a mediation session leaves with its case: the case's record (chat,
minutes, agreements, feedback per room) and a sealed agreement's PDF."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recorder.document_evidence import agreements_dir
from rooms import domain, policy
from rooms.domain import DomainError
from rooms.models import AGREEMENT_SEALED, Agreement
from rooms.session_record import case_record as load_case_record
from signaling.access_log import audit_access
from signaling.api.routing import API, Ctx, Route
from signaling.keys import SERVER
from signaling.models import NoBody, NoQuery, Wire


class RoomRecord(Wire):
    room: dict[str, Any]  # {id, name, state}
    chat: list[dict[str, Any]]
    minutes: dict[str, Any] | None
    agreements: list[dict[str, Any]]  # with who signed, sealed or not
    feedback: list[dict[str, Any]]


class CaseRecordOut(Wire):
    case_id: str
    rooms: list[RoomRecord]


async def case_record(ctx: Ctx[NoBody, NoQuery]) -> CaseRecordOut:
    """The case's sessions: chat, minutes, agreements and the parties' feedback, per room."""
    who = ctx.who
    case, _ = await domain.access_case_by_id(ctx.session, who, ctx.param("case_id"))
    record = await load_case_record(ctx.session, case.id)
    await audit_access(
        ctx.request, ctx.session, actor=who.id, action="case.record", target=f"case:{case.id}"
    )
    return CaseRecordOut.model_validate(record)


async def agreement_pdf(ctx: Ctx[NoBody, NoQuery]) -> web.Response:
    """A sealed agreement's PDF: for staff who may see its case, and for a
    participant of its room (a room-scoped token)."""
    who, s = ctx.who, ctx.session
    agreement = await s.get(Agreement, ctx.param("agreement_id"))
    if agreement is None or agreement.state != AGREEMENT_SEALED or not agreement.evidence_id:
        raise DomainError("not_found", "协议书不存在 / no such agreement", 404)
    if who.room is not None or not agreement.case_id:
        await domain.access_room_by_id(s, who, agreement.room_id, policy.ROOM_JOIN)
    else:
        await domain.access_case_by_id(s, who, agreement.case_id)
    pdf = agreements_dir(ctx.app[SERVER].data_dir) / agreement.evidence_id / "agreement.pdf"
    if not pdf.is_file():
        raise DomainError("not_found", "协议书文件缺失 / the PDF is missing", 404)
    await audit_access(
        ctx.request,
        s,
        actor=who.id,
        action="agreement.download",
        target=f"agreement:{agreement.id}",
    )
    return web.Response(
        body=pdf.read_bytes(),
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="agreement-{agreement.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/cases/{{case_id}}/record",
        "案件的调解记录：聊天、笔录、协议书、评价 / the case's sessions on record",
        case_record,
        CaseRecordOut,
    ),
    Route(
        "GET",
        f"{API}/agreements/{{agreement_id}}/pdf",
        "已签署的调解协议书 PDF / a sealed agreement's PDF",
        agreement_pdf,
        None,
        media_type="application/pdf",
    ),
)

__all__ = ["ROUTES", "CaseRecordOut"]
