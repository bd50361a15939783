"""Cases of one's subtree: list, register, look at, move, assign."""

from __future__ import annotations

from pydantic import Field

from rooms import case_search, domain, policy
from rooms.models import Case
from signaling.access_log import audit_access
from signaling.api.routing import API, Ctx, Route, iso
from signaling.keys import ROOMS_SETTINGS
from signaling.models import (
    Body,
    NoBody,
    NoQuery,
    Query,
    QueryText16,
    QueryText32,
    QueryText40,
    QueryText100,
    QueryTime,
    Text16,
    Text32,
    Text40,
    Text200,
    Wire,
)


class Party(Body):
    name: str
    phone: str = ""


class CaseOut(Wire):
    id: str
    number: str
    type: str
    title: str
    organisation_id: str
    mediator_id: str | None
    severity: str
    status: str
    parties: list[Party]
    created_at: str | None
    updated_at: str | None

    @classmethod
    def fields_of(cls, case: Case) -> dict[str, object]:
        return {
            "id": case.id,
            "number": case.number,
            "type": case.type,
            "title": case.title,
            "organisation_id": case.organisation_id,
            "mediator_id": case.mediator_id,
            "severity": case.severity,
            "status": case.status,
            "parties": [
                Party(name=p.get("name", ""), phone=p.get("phone", "")) for p in case.parties
            ],
            "created_at": iso(case.created_at),
            "updated_at": iso(case.updated_at),
        }

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        return cls.model_validate(cls.fields_of(case))


class CaseQuery(Query):
    """GET /cases: q (number, title or a party's name), type, status, organisationId
    (its subtree), from / to (ISO 8601, registration time; to exclusive), page, per_page."""

    q: QueryText100 = None
    type: QueryText40 = None
    status: QueryText16 = None
    organisation_id: QueryText32 = Field(None, alias="organisationId")
    created_from: QueryTime = Field(None, alias="from")
    created_to: QueryTime = Field(None, alias="to")
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(20, ge=1, le=100)


class CasePage(Wire):
    items: list[CaseOut]
    total: int
    page: int
    per_page: int
    types: list[str]  # the dispute types of the cases I see (the type filter's choices)


class CaseBody(Body):
    organisation_id: Text32
    type: Text40
    title: Text200
    severity: Text16
    parties: list[Party] = Field(default_factory=list, max_length=50)


class HistoryEntry(Wire):
    from_: str | None = Field(alias="from")
    to: str
    by: str | None
    at: str | None


class CaseDetail(CaseOut):
    # what this user may do now: the console shows only these controls
    allowed_transitions: list[str]
    permissions: list[str]
    history: list[HistoryEntry]


class TransitionBody(Body):
    to: Text16


class AssignBody(Body):
    mediator_id: Text32


async def list_cases(ctx: Ctx[NoBody, CaseQuery]) -> CasePage:
    q = ctx.query
    where = case_search.CaseFilter(
        text=q.q,
        type=q.type,
        status=q.status,
        organisation_id=q.organisation_id,
        created_from=q.created_from,
        created_to=q.created_to,
    )
    cases, total = await case_search.list_cases(
        ctx.session, ctx.who, page=q.page, per_page=q.per_page, where=where
    )
    return CasePage(
        items=[CaseOut.of(c) for c in cases],
        total=total,
        page=q.page,
        per_page=q.per_page,
        types=await case_search.case_types(ctx.session, ctx.who),
    )


async def create_case(ctx: Ctx[CaseBody, NoQuery]) -> CaseOut:
    body = ctx.body
    org = await domain.access_organisation_by_id(ctx.session, ctx.who, body.organisation_id)
    case = await domain.do_create_case(
        ctx.session,
        ctx.who,
        organisation=org,
        type=body.type,
        title=body.title,
        severity=body.severity,
        severity_levels=ctx.app[ROOMS_SETTINGS].severity_levels,
        parties=[{"name": p.name[:50], "phone": p.phone[:20]} for p in body.parties],
        ip=ctx.ip,
    )
    return CaseOut.of(case)


async def get_case(ctx: Ctx[NoBody, NoQuery]) -> CaseDetail:
    who = ctx.who
    case, path = await domain.access_case_by_id(ctx.session, who, ctx.param("case_id"))
    history = await domain.case_history(ctx.session, case)
    await audit_access(
        ctx.request, ctx.session, actor=who.id, action="case.view", target=f"case:{case.id}"
    )
    return CaseDetail.model_validate(
        {
            **CaseOut.fields_of(case),
            "allowed_transitions": domain.allowed_transitions(who, case, path),
            "permissions": policy.case_permissions(who, path),
            "history": [
                HistoryEntry(from_=h.from_status, to=h.to_status, by=h.by_user_id, at=iso(h.at))
                for h in history
            ],
        }
    )


async def transition_case(ctx: Ctx[TransitionBody, NoQuery]) -> CaseOut:
    case, _ = await domain.access_case_by_id(
        ctx.session, ctx.who, ctx.param("case_id"), policy.CASE_TRANSITION
    )
    case = await domain.do_transition_case(ctx.session, ctx.who, case, ctx.body.to, ip=ctx.ip)
    return CaseOut.of(case)


async def assign_case(ctx: Ctx[AssignBody, NoQuery]) -> CaseOut:
    case, path = await domain.access_case_by_id(
        ctx.session, ctx.who, ctx.param("case_id"), policy.CASE_TRANSITION
    )
    case = await domain.do_assign_case(ctx.session, ctx.who, case, path, ctx.body.mediator_id)
    return CaseOut.of(case)


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "GET",
        f"{API}/cases",
        "本辖区案件（筛选、分页）/ cases of my subtree",
        list_cases,
        CasePage,
        query=CaseQuery,
    ),
    Route(
        "POST",
        f"{API}/cases",
        "登记案件 / register a case",
        create_case,
        CaseOut,
        body=CaseBody,
        status=201,
        unit=True,
    ),
    Route(
        "GET",
        f"{API}/cases/{{case_id}}",
        "案件详情与流转记录 / a case and its history",
        get_case,
        CaseDetail,
    ),
    Route(
        "POST",
        f"{API}/cases/{{case_id}}/transition",
        "案件状态流转 / move a case",
        transition_case,
        CaseOut,
        body=TransitionBody,
        unit=True,
    ),
    Route(
        "POST",
        f"{API}/cases/{{case_id}}/assign",
        "指派调解员 / assign a mediator",
        assign_case,
        CaseOut,
        body=AssignBody,
        unit=True,
    ),
)
