"""REST API under /api/v1: thin handlers over rooms.domain. Every route is in
ROUTES (method, path, summary, auth), which also feeds /api/v1/openapi.json;
tests check that the app serves exactly these routes.

A route that writes is a unit of work (`unit=True`): the whole handler runs in
one transaction with its audit entries, committed together or not at all, and
run again where the database asks for it (rooms.transaction); such a handler
touches nothing but the database. Other routes read, and record who read what
through signaling.access_log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import domain, policy
from rooms.accounts import check_session
from rooms.audit import verify_audit_chain
from rooms.domain import DomainError
from rooms.models import Case, Organisation
from rooms.passwords import PoolBusy
from rooms.policy import Subject
from rooms.recording_policy import do_set_recording_policy, pending_deletions
from rooms.tokens import PARTY, TokenError, verify
from signaling import rest_accounts as accounts
from signaling import rest_cameras as cameras_api
from signaling import rest_recordings as recordings
from signaling import rest_rooms as rooms_api
from signaling import retention
from signaling.access_log import audit_access
from signaling.decoder import (
    BadInput,
    body,
    check_request_text,
    nullable_bool,
    nullable_int,
    text,
)
from signaling.keys import CONFIG, DATABASE, TOKEN_SECRET
from signaling.rest_accounts import user_json
from signaling.rest_rooms import invitation_link, iso
from signaling.throttle import ThrottleUnavailable

API = "/api/v1"
Handler = Callable[[web.Request, AsyncSession, Subject | None], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    summary: str
    handler: Handler
    public: bool = False
    unit: bool = False  # writes: the handler is one unit of work (see the module docstring)


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def org_json(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.id,
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "parentId": org.parent_id,
        "recordingRequired": org.recording_required,
        "retentionDays": org.retention_days,
    }


def case_json(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "type": case.type,
        "title": case.title,
        "organisationId": case.organisation_id,
        "mediatorId": case.mediator_id,
        "severity": case.severity,
        "status": case.status,
        "parties": case.parties,
        "createdAt": iso(case.created_at),
        "updatedAt": iso(case.updated_at),
    }


# -- handlers ----------------------------------------------------------------------------
async def join_by_code(request: web.Request, s: AsyncSession, _: Subject | None) -> web.Response:
    data = await body(request)
    code, name = text(data, "code", max_len=6), text(data, "name", max_len=50)
    await accounts.code_attempt_allowed(request, code)
    try:
        if not code.isdigit() or len(code) != 6:
            raise DomainError("bad_code", "邀请码为 6 位数字 / the code has 6 digits", 400)
        invitation = await domain.find_invitation_by_code(s, code, name)
    except DomainError:
        await accounts.code_attempt_failed(request, code)
        raise
    return web.json_response({"url": invitation_link(request, invitation)})


async def me(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    return web.json_response(
        {
            "id": who.id,
            "name": who.name,
            "role": who.role,
            "severityLevels": request.app[CONFIG].rooms.severity_levels,
        }
    )


async def list_orgs(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    return web.json_response([org_json(o) for o in await domain.list_organisations(s, who)])


async def create_org(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    parent = await domain.access_organisation_by_id(
        s, who, text(data, "parentId", max_len=32), policy.ORG_MANAGE
    )
    org = await domain.do_create_organisation(
        s,
        code=text(data, "code", max_len=32),
        name=text(data, "name", max_len=100),
        level=text(data, "level", max_len=16),
        parent=parent,
        actor=who.id,
        ip=request.remote,
    )
    return web.json_response(org_json(org), status=201)


async def _recording_policy_json(
    request: web.Request, s: AsyncSession, org: Organisation
) -> dict[str, Any]:
    effective = await retention.policy_for(request.app, s, org.id)
    return {
        "organisationId": org.id,
        "own": {"required": org.recording_required, "retentionDays": org.retention_days},
        "effective": {
            "required": effective.required,
            "retentionDays": effective.retention_days,
            "requiredBy": effective.required_by,
            "retentionBy": effective.retention_by,
        },
    }


async def get_recording_policy(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    org = await domain.access_organisation_by_id(s, who, request.match_info["org_id"])
    return web.json_response(await _recording_policy_json(request, s, org))


async def set_recording_policy(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    """Body {required: bool|null, retentionDays: int|null}; null inherits."""
    assert who is not None
    data = await body(request)
    required, days = nullable_bool(data, "required"), nullable_int(data, "retentionDays")
    org = await do_set_recording_policy(
        s,
        who,
        request.match_info["org_id"],
        required=required,
        retention_days=days,
        ip=request.remote,
    )
    return web.json_response(await _recording_policy_json(request, s, org))


async def list_users(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    return web.json_response([user_json(u) for u in await domain.list_users(s, who)])


def _int(request: web.Request, key: str, default: int, top: int) -> int:
    try:
        value = int(request.query.get(key, default))
    except ValueError:
        raise DomainError(
            "bad_request", f"参数 {key} 必须是整数 / {key} must be an integer"
        ) from None
    if not 1 <= value <= top:
        raise DomainError("bad_request", f"参数 {key} 超出范围 / {key} out of range")
    return value


async def list_cases(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    page, per_page = _int(request, "page", 1, 10_000), _int(request, "per_page", 20, 100)
    cases, total = await domain.list_cases(
        s, who, status=request.query.get("status") or None, page=page, per_page=per_page
    )
    return web.json_response(
        {"items": [case_json(c) for c in cases], "total": total, "page": page, "perPage": per_page}
    )


async def create_case(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    org = await domain.access_organisation_by_id(s, who, text(data, "organisationId", max_len=32))
    parties = data.get("parties", [])
    if (
        not isinstance(parties, list)
        or len(parties) > 50
        or not all(
            isinstance(p, dict)
            and isinstance(p.get("name"), str)
            and isinstance(p.get("phone", ""), str)
            for p in parties
        )
    ):
        raise BadInput("当事人格式错误 / parties must be [{name, phone}]")
    case = await domain.do_create_case(
        s,
        who,
        organisation=org,
        type=text(data, "type", max_len=40),
        title=text(data, "title"),
        severity=text(data, "severity", max_len=16),
        severity_levels=request.app[CONFIG].rooms.severity_levels,
        parties=[
            {"name": str(p["name"])[:50], "phone": str(p.get("phone", ""))[:20]} for p in parties
        ],
        ip=request.remote,
    )
    return web.json_response(case_json(case), status=201)


async def get_case(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    case, path = await domain.access_case_by_id(s, who, request.match_info["case_id"])
    history = await domain.case_history(s, case)
    await audit_access(request, s, actor=who.id, action="case.view", target=f"case:{case.id}")
    return web.json_response(
        {
            **case_json(case),
            # what this user may do now: the console shows only these controls
            "allowedTransitions": domain.allowed_transitions(who, case, path),
            "permissions": policy.case_permissions(who, path),
            "history": [
                {"from": h.from_status, "to": h.to_status, "by": h.by_user_id, "at": iso(h.at)}
                for h in history
            ],
        }
    )


async def transition_case(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    data = await body(request)
    case, _ = await domain.access_case_by_id(
        s, who, request.match_info["case_id"], policy.CASE_TRANSITION
    )
    case = await domain.do_transition_case(
        s, who, case, text(data, "to", max_len=16), ip=request.remote
    )
    return web.json_response(case_json(case))


async def list_mediators(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    return web.json_response([user_json(u) for u in await domain.list_mediators(s, who)])


async def assign_case(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    case, path = await domain.access_case_by_id(
        s, who, request.match_info["case_id"], policy.CASE_TRANSITION
    )
    case = await domain.do_assign_case(s, who, case, path, text(data, "mediatorId", max_len=32))
    return web.json_response(case_json(case))


async def audit_verify(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    policy.authorize(who, policy.AUDIT_VIEW)
    report = await verify_audit_chain(s)
    pending = await pending_deletions(s)
    return web.json_response(
        {
            "ok": report.ok,
            "entries": report.entries,
            "firstBadEntry": report.first_bad_seq,
            "reason": report.reason,
            # deletions audited but not finished (the next start finishes them)
            "pendingDeletions": [
                {"recordingId": d.recording_id, "auditEntry": d.audit_seq} for d in pending
            ],
        }
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        f"{API}/login",
        "登录，取得访问令牌 / log in, get an access token",
        accounts.login,
        public=True,
    ),
    Route("POST", f"{API}/logout", "退出登录 / log out (ends this session)", accounts.logout),
    Route(
        "POST",
        f"{API}/join-code",
        "凭邀请码和姓名进入 / enter with code and name",
        join_by_code,
        public=True,
    ),
    Route("GET", f"{API}/me", "当前用户 / who am I", me),
    Route(
        "POST",
        f"{API}/me/password",
        "修改密码（其他登录随之失效）/ change my password (other sessions end)",
        accounts.change_password,
    ),
    Route("GET", f"{API}/organisations", "本辖区机构树 / my organisation subtree", list_orgs),
    Route(
        "POST",
        f"{API}/organisations",
        "新建下级机构 / create an organisation",
        create_org,
        unit=True,
    ),
    Route("GET", f"{API}/users", "本辖区用户 / users of my subtree", list_users),
    Route("POST", f"{API}/users", "新建用户 / create a user", accounts.create_user),
    Route(
        "PATCH",
        f"{API}/users/{{user_id}}",
        "停用或启用用户 / disable or enable a user",
        accounts.update_user,
    ),
    Route(
        "POST",
        f"{API}/users/{{user_id}}/unlock",
        "解除登录锁定 / lift a login lock",
        accounts.unlock_user,
    ),
    Route("GET", f"{API}/cases", "本辖区案件（筛选、分页）/ cases of my subtree", list_cases),
    Route("POST", f"{API}/cases", "登记案件 / register a case", create_case, unit=True),
    Route(
        "GET", f"{API}/cases/{{case_id}}", "案件详情与流转记录 / a case and its history", get_case
    ),
    Route(
        "POST",
        f"{API}/cases/{{case_id}}/transition",
        "案件状态流转 / move a case",
        transition_case,
        unit=True,
    ),
    Route(
        "POST",
        f"{API}/cases/{{case_id}}/assign",
        "指派调解员 / assign a mediator",
        assign_case,
        unit=True,
    ),
    Route("GET", f"{API}/mediators", "本辖区调解员 / mediators of my subtree", list_mediators),
    Route(
        "POST",
        f"{API}/cases/{{case_id}}/rooms",
        "为案件开设调解室 / open a room",
        rooms_api.create_room,
        unit=True,
    ),
    Route("POST", f"{API}/rooms/{{room_id}}/end", "结束调解室 / end a room", rooms_api.end_room),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/seat",
        "本人进入调解室的链接 / my own link into a room",
        rooms_api.seat,
    ),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/invitations",
        "邀请当事人 / invite someone",
        rooms_api.create_invitation,
        unit=True,
    ),
    Route(
        "POST",
        f"{API}/invitations/{{invitation_id}}/revoke",
        "撤销邀请 / revoke",
        rooms_api.revoke_invitation,
    ),
    Route(
        "GET",
        f"{API}/invitations/{{invitation_id}}/qr.png",
        "邀请二维码 / invitation QR",
        rooms_api.invitation_qr,
    ),
    Route("GET", f"{API}/audit/verify", "校验审计日志 / verify the audit chain", audit_verify),
    Route("GET", f"{API}/recordings", "本辖区录像 / recordings of my subtree", recordings.list_),
    Route(
        "GET",
        f"{API}/recordings/{{recording_id}}",
        "录像与核验结果 / a recording, verified",
        recordings.get,
    ),
    Route(
        "GET",
        f"{API}/recordings/{{recording_id}}/export",
        "导出证据包 / export the bundle",
        recordings.export,
    ),
    Route(
        "GET",
        f"{API}/recordings/{{recording_id}}/tracks",
        "回放：各轨道及其片段（统一时间轴）/ tracks and segments on one clock",
        recordings.tracks,
    ),
    Route(
        "GET",
        f"{API}/recordings/{{recording_id}}/segments/{{file}}",
        "原始片段文件 / an original segment file",
        recordings.segment,
    ),
    Route(
        "DELETE",
        f"{API}/recordings/{{recording_id}}",
        "删除录像（保存期满且未保全）/ delete (retention passed, no hold)",
        recordings.delete,
    ),
    Route(
        "POST",
        f"{API}/recordings/{{recording_id}}/hold",
        "法律保全 / place a legal hold",
        recordings.place_hold,
        unit=True,
    ),
    Route(
        "DELETE",
        f"{API}/recordings/{{recording_id}}/hold",
        "解除保全 / release the legal hold",
        recordings.release_hold,
        unit=True,
    ),
    Route(
        "GET",
        f"{API}/organisations/{{org_id}}/recording-policy",
        "机构录像规则（含继承）/ recording policy, effective",
        get_recording_policy,
    ),
    Route(
        "PUT",
        f"{API}/organisations/{{org_id}}/recording-policy",
        "设置机构录像规则 / set the recording policy",
        set_recording_policy,
        unit=True,
    ),
    *(Route(m, p, s, h, unit=u) for m, p, s, h, u in cameras_api.ROUTES),
)


async def subject_of(request: web.Request, s: AsyncSession) -> Subject:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise TokenError("token_missing", "缺少访问令牌 / access token missing")
    token = verify(request.app[TOKEN_SECRET], header[7:])
    await check_session(s, token)
    request[accounts.ACCESS_TOKEN] = token
    if token.role == PARTY:
        return Subject.from_token(token, None)
    return Subject.from_token(token, await domain.org_path(s, token.org))


def wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def run(request: web.Request, s: AsyncSession) -> web.StreamResponse:
        who = None if route.public else await subject_of(request, s)
        return await route.handler(request, s, who)

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            check_request_text(request)
            database = request.app[DATABASE]
            if route.unit:
                return await database.run(lambda s: run(request, s))
            async with database.session() as s:
                return await run(request, s)
        except TokenError as exc:
            return error(401, exc.code, exc.message)
        except policy.Denied as exc:
            return error(403, exc.code, exc.message)
        except DomainError as exc:
            return error(exc.status, exc.code, exc.message)
        except BadInput as exc:
            return error(exc.status, exc.code, exc.message)
        except (PoolBusy, ThrottleUnavailable):
            response = error(503, "busy", "服务器繁忙，请稍后再试 / server busy, try again shortly")
            response.headers["Retry-After"] = "1"
            return response

    return handler


def openapi(request: web.Request) -> web.Response:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "responses": {
                "200": {"description": "OK"},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
            },
        }
        if not route.public:
            operation["security"] = [{"bearer": []}]
        params = [p.strip("{}") for p in route.path.split("/") if p.startswith("{")]
        if params:
            operation["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in params
            ]
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    document = {
        "openapi": "3.1.0",
        "info": {"title": "mediation-hub", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "error",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error"],
                                "properties": {
                                    "error": {
                                        "type": "object",
                                        "required": ["code", "message"],
                                        "properties": {
                                            "code": {"type": "string"},
                                            "message": {"type": "string"},
                                        },
                                    }
                                },
                            }
                        }
                    },
                }
            },
        },
    }
    return web.json_response(document)


async def openapi_handler(request: web.Request) -> web.Response:
    return openapi(request)


def setup(app: web.Application) -> None:
    accounts.setup(app)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, wrap(route))
    app.router.add_get(f"{API}/openapi.json", openapi_handler)
