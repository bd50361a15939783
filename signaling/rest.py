"""REST API under /api/v1: thin handlers over rooms.domain. Every route is in
ROUTES (method, path, summary, auth), which also feeds /api/v1/openapi.json;
tests check that the app serves exactly these routes."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import segno
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import domain, policy, users
from rooms.audit import do_append_audit, verify_audit_chain
from rooms.domain import DomainError
from rooms.models import ROOM_ENDED, Case, Invitation, Organisation, Room, User, utcnow
from rooms.policy import Subject
from rooms.recording_policy import do_set_recording_policy
from rooms.tokens import PARTY, TokenError, issue, verify
from signaling import rest_audit, rest_room_views, rest_users, retention
from signaling import rest_recordings as recordings
from signaling.keys import CONFIG, DATABASE, TOKEN_SECRET
from signaling.query import query_time
from signaling.request_body import body, text
from signaling.rest_users import user_json

API = "/api/v1"
Handler = Callable[[web.Request, AsyncSession, Subject | None], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    summary: str
    handler: Handler
    public: bool = False


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


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


def room_json(room: Room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name, "state": room.state, "caseId": room.case_id}


# -- handlers ----------------------------------------------------------------------------
async def login(request: web.Request, s: AsyncSession, _: Subject | None) -> web.Response:
    data = await body(request)
    user = await domain.authenticate(s, text(data, "username"), text(data, "password"))
    config = request.app[CONFIG]
    token = issue(
        request.app[TOKEN_SECRET],
        sub=user.id,
        name=user.display_name,
        role=user.role,
        org=user.organisation_id,
        ttl_s=config.signaling.staff_token_ttl_s,
    )
    await do_append_audit(
        s, actor=user.id, action="login", target=f"user:{user.id}", ip=request.remote
    )
    return web.json_response({"token": token, "user": user_json(user)})


class Attempts:
    """Failed code entries per client address: at most `limit` per `window_s`."""

    def __init__(self, limit: int = 10, window_s: float = 600.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, list[float]] = {}

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        self._failures[key] = recent
        return len(recent) >= self.limit

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, []).append(time.monotonic())


CODE_ATTEMPTS: web.AppKey[Attempts] = web.AppKey("code_attempts")


async def join_by_code(request: web.Request, s: AsyncSession, _: Subject | None) -> web.Response:
    attempts = request.app[CODE_ATTEMPTS]
    client = request.remote or "?"
    if attempts.blocked(client):
        raise DomainError("rate_limited", "尝试次数过多，请稍后再试 / too many tries, wait", 429)
    data = await body(request)
    code, name = text(data, "code", max_len=6), text(data, "name", max_len=50)
    try:
        if not code.isdigit() or len(code) != 6:
            raise DomainError("bad_code", "邀请码为 6 位数字 / the code has 6 digits", 400)
        invitation = await domain.find_invitation_by_code(s, code, name)
    except DomainError:
        attempts.failed(client)
        raise
    return web.json_response({"url": invitation_link(request, invitation)})


async def me(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Who I am and what the staff pages may offer me: `permissions` are my role's
    actions (rooms.policy), `grantableRoles` the roles I may give others."""
    assert who is not None
    user = None if who.role == PARTY else await s.get(User, who.id)
    return web.json_response(
        {
            "id": who.id,
            "name": user.display_name if user else who.name,
            "username": user.username if user else None,
            "role": who.role,
            "organisationId": user.organisation_id if user else None,
            "mustChangePassword": bool(user and user.must_change_password),
            "permissions": sorted(policy.ROLE_ACTIONS.get(who.role, frozenset())),
            "grantableRoles": policy.grantable_roles(who),
            "severityLevels": request.app[CONFIG].rooms.severity_levels,
        }
    )


async def change_password(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    if who.role == PARTY:
        raise DomainError("forbidden", "无权执行此操作 / not allowed", 403)
    data = await body(request)
    await domain.do_change_password(
        s, who.id, text(data, "current", max_len=200), text(data, "new", max_len=200)
    )
    return web.json_response({"ok": True})


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
    )
    await do_append_audit(
        s, actor=who.id, action="org.create", target=f"org:{org.id}", ip=request.remote
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
    required, days = data.get("required"), data.get("retentionDays")
    if required is not None and not isinstance(required, bool):
        raise DomainError("bad_request", "required 应为布尔值或 null / required: bool or null")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise DomainError("bad_request", "retentionDays 应为整数或 null / int or null")
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


async def create_user(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    org = await domain.access_organisation_by_id(
        s, who, text(data, "organisationId", max_len=32), policy.USER_MANAGE
    )
    role = text(data, "role", max_len=16)
    users.check_grantable(who, role)
    user = await domain.do_create_user(
        s,
        username=text(data, "username", max_len=64),
        display_name=text(data, "name"),
        role=role,
        organisation=org,
        password=text(data, "password", max_len=200),
        must_change_password=True,  # the administrator knows it: the user picks their own
    )
    await do_append_audit(
        s, actor=who.id, action="user.create", target=f"user:{user.id}", ip=request.remote
    )
    return web.json_response(user_json(user), status=201)


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
    """Query: q (number, title or a party's name), type, status, organisationId (its
    subtree), from / to (ISO 8601, registration time; to exclusive), page, per_page."""
    assert who is not None
    page, per_page = _int(request, "page", 1, 10_000), _int(request, "per_page", 20, 100)
    query = request.query
    for key, top in (("q", 100), ("type", 40), ("status", 16), ("organisationId", 32)):
        if len(query.get(key, "")) > top:
            raise DomainError("bad_request", f"参数 {key} 过长 / {key} too long")
    where = domain.CaseFilter(
        text=query.get("q", "").strip() or None,
        type=query.get("type") or None,
        status=query.get("status") or None,
        organisation_id=query.get("organisationId") or None,
        created_from=query_time(request, "from"),
        created_to=query_time(request, "to"),
    )
    cases, total = await domain.list_cases(s, who, page=page, per_page=per_page, where=where)
    return web.json_response(
        {
            "items": [case_json(c) for c in cases],
            "total": total,
            "page": page,
            "perPage": per_page,
            "types": await domain.case_types(s, who),
        }
    )


async def create_case(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    org = await domain.access_organisation_by_id(s, who, text(data, "organisationId", max_len=32))
    parties = data.get("parties", [])
    if not isinstance(parties, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) for p in parties
    ):
        raise DomainError("bad_request", "当事人格式错误 / parties must be [{name, phone}]")
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
    )
    return web.json_response(case_json(case), status=201)


async def get_case(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    case, path = await domain.access_case_by_id(s, who, request.match_info["case_id"])
    await do_append_audit(
        s, actor=who.id, action="case.view", target=f"case:{case.id}", ip=request.remote
    )
    history = await domain.case_history(s, case)
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


async def create_room(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    case, path = await domain.access_case_by_id(
        s, who, request.match_info["case_id"], policy.ROOM_CREATE
    )
    room = await domain.do_create_case_room(s, who, case, path)
    return web.json_response(room_json(room), status=201)


async def end_room(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    room = await domain.access_room_by_id(s, who, request.match_info["room_id"], policy.ROOM_END)
    if room.state != ROOM_ENDED:
        room.state, room.ended_at = ROOM_ENDED, utcnow()
        await do_append_audit(
            s,
            actor=who.id,
            action="room.end",
            target=f"room:{room.id}",
            ip=request.remote,
            commit=False,
        )
        await s.commit()
    return web.json_response(room_json(room))


def invitation_link(request: web.Request, invitation: Invitation) -> str:
    token = domain.invitation_token(request.app[TOKEN_SECRET], invitation)
    return f"{request.app[CONFIG].base_url}/join/{token}"


async def create_invitation(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    data = await body(request)
    room = await domain.access_room_by_id(
        s, who, request.match_info["room_id"], policy.INVITE_CREATE
    )
    ttl = data.get("ttlS", 7200)
    uses = data.get("maxUses", 1)
    if not isinstance(ttl, int) or not 60 <= ttl <= 7 * 86400:
        raise DomainError("bad_request", "ttlS 须在 60 秒到 7 天之间 / ttlS must be 60 s..7 d")
    if not isinstance(uses, int) or not 1 <= uses <= 20:
        raise DomainError("bad_request", "maxUses 须在 1 到 20 之间 / maxUses must be 1..20")
    invitation = await domain.do_create_invitation(
        s,
        room,
        name=text(data, "name", max_len=50),
        role=text(data, "role", max_len=16),
        ttl_s=ttl,
        max_uses=uses,
        created_by=who.id,
    )
    await do_append_audit(
        s,
        actor=who.id,
        action="invitation.create",
        target=f"invitation:{invitation.id}",
        ip=request.remote,
    )
    return web.json_response(
        {
            "id": invitation.id,
            "url": invitation_link(request, invitation),
            "code": invitation.code,
            "expiresAt": iso(invitation.expires_at),
        },
        status=201,
    )


async def _invitation(
    request: web.Request, s: AsyncSession, who: Subject, action: str
) -> Invitation:
    invitation = await s.get(Invitation, request.match_info["invitation_id"])
    if invitation is None:
        raise DomainError("not_found", "邀请不存在 / no such invitation", 404)
    await domain.access_room_by_id(s, who, invitation.room_id, action)
    return invitation


async def revoke_invitation(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    invitation = await _invitation(request, s, who, policy.INVITE_REVOKE)
    await domain.do_revoke_invitation(s, invitation)
    await do_append_audit(
        s,
        actor=who.id,
        action="invitation.revoke",
        target=f"invitation:{invitation.id}",
        ip=request.remote,
    )
    return web.json_response({"id": invitation.id, "revokedAt": iso(invitation.revoked_at)})


async def invitation_qr(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    invitation = await _invitation(request, s, who, policy.INVITE_CREATE)
    buffer = io.BytesIO()
    segno.make(invitation_link(request, invitation), error="m").save(buffer, kind="png", scale=6)
    return web.Response(body=buffer.getvalue(), content_type="image/png")


async def audit_verify(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    policy.authorize(who, policy.AUDIT_VIEW)
    report = await verify_audit_chain(s)
    return web.json_response(
        {
            "ok": report.ok,
            "entries": report.entries,
            "firstBadEntry": report.first_bad_seq,
            "reason": report.reason,
        }
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        f"{API}/login",
        "登录，取得访问令牌 / log in, get an access token",
        login,
        public=True,
    ),
    Route(
        "POST",
        f"{API}/join-code",
        "凭邀请码和姓名进入 / enter with code and name",
        join_by_code,
        public=True,
    ),
    Route("GET", f"{API}/me", "当前用户 / who am I", me),
    Route("POST", f"{API}/me/password", "修改密码 / change my password", change_password),
    Route("GET", f"{API}/organisations", "本辖区机构树 / my organisation subtree", list_orgs),
    Route("POST", f"{API}/organisations", "新建下级机构 / create an organisation", create_org),
    Route("GET", f"{API}/users", "本辖区用户 / users of my subtree", list_users),
    Route("POST", f"{API}/users", "新建用户 / create a user", create_user),
    Route(
        "PATCH",
        f"{API}/users/{{user_id}}",
        "修改用户（姓名、角色、机构、启用、密码）/ edit a user",
        rest_users.update_user,
    ),
    Route("GET", f"{API}/audit", "审计日志（筛选、分页）/ the audit log", rest_audit.list_entries),
    Route(
        "GET",
        f"{API}/cases/{{case_id}}/rooms",
        "案件的调解室及邀请 / a case's rooms and invitations",
        rest_room_views.case_rooms,
    ),
    Route(
        "GET",
        f"{API}/rooms",
        "本辖区调解室（未结束的在前）/ rooms of my subtree",
        rest_room_views.list_rooms,
    ),
    Route("GET", f"{API}/cases", "本辖区案件（筛选、分页）/ cases of my subtree", list_cases),
    Route("POST", f"{API}/cases", "登记案件 / register a case", create_case),
    Route(
        "GET", f"{API}/cases/{{case_id}}", "案件详情与流转记录 / a case and its history", get_case
    ),
    Route(
        "POST", f"{API}/cases/{{case_id}}/transition", "案件状态流转 / move a case", transition_case
    ),
    Route("POST", f"{API}/cases/{{case_id}}/assign", "指派调解员 / assign a mediator", assign_case),
    Route("GET", f"{API}/mediators", "本辖区调解员 / mediators of my subtree", list_mediators),
    Route("POST", f"{API}/cases/{{case_id}}/rooms", "为案件开设调解室 / open a room", create_room),
    Route("POST", f"{API}/rooms/{{room_id}}/end", "结束调解室 / end a room", end_room),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/invitations",
        "邀请当事人 / invite someone",
        create_invitation,
    ),
    Route(
        "POST",
        f"{API}/invitations/{{invitation_id}}/revoke",
        "撤销邀请 / revoke",
        revoke_invitation,
    ),
    Route(
        "GET",
        f"{API}/invitations/{{invitation_id}}/qr.png",
        "邀请二维码 / invitation QR",
        invitation_qr,
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
    ),
    Route(
        "DELETE",
        f"{API}/recordings/{{recording_id}}/hold",
        "解除保全 / release the legal hold",
        recordings.release_hold,
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
    ),
)


async def subject_of(request: web.Request, s: AsyncSession) -> Subject:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise TokenError("token_missing", "缺少访问令牌 / access token missing")
    token = verify(request.app[TOKEN_SECRET], header[7:])
    if token.role == PARTY:
        return Subject.from_token(token, None)
    return Subject.from_token(token, await domain.org_path(s, token.org))


# what a user who must change their password may still do
PASSWORD_CHANGE_ROUTES = frozenset({("GET", f"{API}/me"), ("POST", f"{API}/me/password")})


async def check_account(s: AsyncSession, who: Subject, route: Route) -> None:
    """A disabled user's token stops working at once; a user whose password an
    administrator chose may only change it (403 password_change_required)."""
    if who.role == PARTY:
        return
    refusal = await users.account_refusal(s, who.id)
    if refusal == users.ACCOUNT_DISABLED:
        raise TokenError(*refusal)
    if refusal is not None and (route.method, route.path) not in PASSWORD_CHANGE_ROUTES:
        raise DomainError(*refusal, 403)


def wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            async with request.app[DATABASE].session() as s:
                who = None if route.public else await subject_of(request, s)
                if who is not None:
                    await check_account(s, who, route)
                return await route.handler(request, s, who)
        except TokenError as exc:
            return error(401, exc.code, exc.message)
        except policy.Denied as exc:
            return error(403, exc.code, exc.message)
        except DomainError as exc:
            return error(exc.status, exc.code, exc.message)

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
    app[CODE_ATTEMPTS] = Attempts()
    for route in ROUTES:
        app.router.add_route(route.method, route.path, wrap(route))
    app.router.add_get(f"{API}/openapi.json", openapi_handler)
