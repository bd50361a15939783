"""REST handlers for what a mediation session leaves with its case: the case's
record (chat, minutes, agreements, feedback per room) and a sealed agreement's
PDF. Listed in ROUTES here; signaling.rest serves them with its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from recorder.document_evidence import agreements_dir
from rooms import domain, policy
from rooms.domain import DomainError, access_organisation_by_id
from rooms.lobby import do_set_waiting_room, effective_waiting_room
from rooms.models import AGREEMENT_SEALED, Agreement
from rooms.policy import Subject
from rooms.session_record import case_record as load_case_record
from signaling.access_log import audit_access
from signaling.decoder import body, nullable_bool
from signaling.keys import CONFIG

API = "/api/v1"


async def case_record(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """The case's sessions: chat, minutes, agreements (who signed, sealed or not)
    and the parties' feedback, per room."""
    assert who is not None
    case, _ = await domain.access_case_by_id(s, who, request.match_info["case_id"])
    record = await load_case_record(s, case.id)
    await audit_access(request, s, actor=who.id, action="case.record", target=f"case:{case.id}")
    return web.json_response(record)


async def agreement_pdf(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """A sealed agreement's PDF: for staff who may see its case, and for a
    participant of its room (a room-scoped token)."""
    assert who is not None
    agreement = await s.get(Agreement, request.match_info["agreement_id"])
    if agreement is None or agreement.state != AGREEMENT_SEALED or not agreement.evidence_id:
        raise DomainError("not_found", "协议书不存在 / no such agreement", 404)
    if who.room is not None:
        await domain.access_room_by_id(s, who, agreement.room_id, policy.ROOM_JOIN)
    elif agreement.case_id:
        await domain.access_case_by_id(s, who, agreement.case_id)
    else:
        await domain.access_room_by_id(s, who, agreement.room_id, policy.ROOM_JOIN)
    path: Path = agreements_dir(request.app[CONFIG].server.data_dir) / agreement.evidence_id
    pdf = path / "agreement.pdf"
    if not pdf.is_file():
        raise DomainError("not_found", "协议书文件缺失 / the PDF is missing", 404)
    await audit_access(
        request, s, actor=who.id, action="agreement.download", target=f"agreement:{agreement.id}"
    )
    return web.Response(
        body=pdf.read_bytes(),
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="agreement-{agreement.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


async def _waiting_room_json(request: web.Request, s: AsyncSession, org_id: str) -> dict[str, Any]:
    from rooms.models import Organisation

    org = await s.get(Organisation, org_id)
    default = request.app[CONFIG].rooms.waiting_room
    return {
        "organisationId": org_id,
        "waitingRoom": org.waiting_room if org else None,  # None: inherited
        "effective": await effective_waiting_room(s, org_id, default),
    }


async def get_waiting_room(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    org = await access_organisation_by_id(s, who, request.match_info["org_id"])
    return web.json_response(await _waiting_room_json(request, s, org.id))


async def set_waiting_room(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    """`{waitingRoom: true|false|null}`: null inherits from the parent organisation."""
    assert who is not None
    data = await body(request)
    org = await do_set_waiting_room(
        s, who, request.match_info["org_id"], nullable_bool(data, "waitingRoom"), ip=request.remote
    )
    await s.flush()
    return web.json_response(await _waiting_room_json(request, s, org.id))


# (method, path, summary, handler, public, unit): signaling.rest makes Routes of them
ROUTES: tuple[tuple[str, str, str, Any, bool, bool], ...] = (
    (
        "GET",
        f"{API}/cases/{{case_id}}/record",
        "案件的调解记录：聊天、笔录、协议书、评价 / the case's sessions on record",
        case_record,
        False,
        False,
    ),
    (
        "GET",
        f"{API}/agreements/{{agreement_id}}/pdf",
        "已签署的调解协议书 PDF / a sealed agreement's PDF",
        agreement_pdf,
        False,
        False,
    ),
    (
        "GET",
        f"{API}/organisations/{{org_id}}/waiting-room",
        "机构的等候室设置（含继承）/ waiting room setting, effective",
        get_waiting_room,
        False,
        False,
    ),
    (
        "PUT",
        f"{API}/organisations/{{org_id}}/waiting-room",
        "设置机构等候室（null 为继承）/ set the waiting room (null inherits)",
        set_waiting_room,
        False,
        True,
    ),
)
