"""REST handlers for staff accounts: log in, log out, change my password, enable or
disable a user, lift a login lock; and the 6-digit code entry's throttle.

Failed logins are throttled per account and per client address (signaling.throttle):
after a few failures each further one doubles the wait, answered with 429
`rate_limited` and a Retry-After header; many failures lock the account (429
`account_locked`) until it expires or an administrator lifts it. Unknown
usernames are throttled and locked exactly like known ones, so neither the answer
nor its timing tells whether an account exists. Password work runs on the
PasswordPool's threads, with no transaction open (each write is a unit of work
of its own, run after the slow part); when that pool is full the answer is 503
`busy` (rest.wrap). Sockets of an ended session are closed after the commit.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import accounts, domain, policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.models import User
from rooms.policy import Subject
from rooms.tokens import ROOM_ROLES, AccessToken, issue
from signaling.decoder import BadInput, body, text
from signaling.keys import CONFIG, DATABASE, PASSWORDS, ROOM_NAMESPACE, THROTTLE, TOKEN_SECRET
from signaling.throttle import Limits, Throttle, Verdict

# which access token a request carried (set by the REST wrapper for logout and
# password change, which end sessions other than, or exactly, this one)
ACCESS_TOKEN: web.RequestKey[AccessToken] = web.RequestKey("access_token", AccessToken)


# password checks running or waiting per client address (this node): one address
# can't take the whole password pool, and a flood is answered 429 at once
IN_FLIGHT: web.AppKey[dict[str, int]] = web.AppKey("logins_in_flight", dict)


def setup(app: web.Application) -> None:
    app[IN_FLIGHT] = {}


def account_key(username: str) -> str:
    return f"login:acct:{username.strip().casefold()[:64]}"


def _address(request: web.Request) -> str:
    return request.remote or "?"


def _limits(request: web.Request) -> tuple[Limits, Limits]:
    """(per account, per address) limits of POST /login, from the config."""
    c = request.app[CONFIG].signaling
    common = {"base_s": c.backoff_base_s, "max_s": c.backoff_max_s, "window_s": c.throttle_window_s}
    account = Limits(
        free=c.login_free_failures_account,
        lock_after=c.login_lock_after,
        lock_s=c.login_lock_s,
        **common,
    )
    return account, Limits(free=c.login_free_failures_address, **common)


def _code_limits(request: web.Request) -> tuple[Limits, Limits]:
    """(per code, per address) limits of POST /join-code."""
    c = request.app[CONFIG].signaling
    common = {"base_s": c.backoff_base_s, "max_s": c.backoff_max_s, "window_s": c.throttle_window_s}
    return (
        Limits(free=c.code_free_failures_code, **common),
        Limits(free=c.code_free_failures_address, **common),
    )


def _too_many(code: str, message: str, retry_after_s: float) -> NoReturn:
    raise web.HTTPTooManyRequests(
        text=json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False),
        content_type="application/json",
        headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))},
    )


def _refuse_if_throttled(verdicts: list[Verdict]) -> None:
    locked = max(v.locked_s for v in verdicts)
    if locked > 0:
        _too_many(
            "account_locked",
            "登录失败次数过多，账户已锁定，请联系管理员解锁 / "
            "too many failed logins: the account is locked, ask an administrator",
            locked,
        )
    wait = max(v.retry_after_s for v in verdicts)
    if wait > 0:
        _too_many(
            "rate_limited",
            f"尝试次数过多，请 {math.ceil(wait)} 秒后再试 / "
            f"too many tries: wait {math.ceil(wait)} s",
            wait,
        )


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "organisationId": user.organisation_id,
        "active": user.active,
    }


async def login(request: web.Request, s: AsyncSession, _: Subject | None) -> web.Response:
    data = await body(request)
    username, password = text(data, "username"), text(data, "password")
    throttle: Throttle = request.app[THROTTLE]
    per_account, per_address = _limits(request)
    keys = (account_key(username), f"login:addr:{_address(request)}")
    _refuse_if_throttled([await throttle.check(k) for k in keys])
    found = await accounts.user_by_username(s, username)
    await s.commit()  # ends the read: no connection is held while Argon2 runs
    in_flight, address = request.app[IN_FLIGHT], _address(request)
    if in_flight.get(address, 0) >= request.app[CONFIG].signaling.login_in_flight_per_address:
        _too_many("rate_limited", "登录请求过于频繁，请稍后再试 / too many logins at once: wait", 1)
    in_flight[address] = in_flight.get(address, 0) + 1
    try:
        user = await accounts.check_login(request.app[PASSWORDS], found, password)
    except DomainError:
        verdict = await throttle.failure(keys[0], per_account)
        await throttle.failure(keys[1], per_address)
        if verdict.newly_locked and found is not None:
            await _audit_lock(request, found.id, verdict)
        raise
    finally:
        in_flight[address] -= 1
        if not in_flight[address]:
            del in_flight[address]
    await throttle.clear(keys[0])
    ttl_s = request.app[CONFIG].signaling.staff_token_ttl_s
    row = await request.app[DATABASE].run(
        lambda u: accounts.do_start_session(u, user, ttl_s=ttl_s, ip=request.remote)
    )
    token = issue(
        request.app[TOKEN_SECRET],
        sub=user.id,
        name=user.display_name,
        role=user.role,
        org=user.organisation_id,
        sid=row.id,
        ttl_s=ttl_s,
    )
    return web.json_response({"token": token, "user": user_json(user), "expiresInS": ttl_s})


async def _audit_lock(request: web.Request, user_id: str, verdict: Verdict) -> None:
    """An existing account just got locked: say so in the audit log (unknown
    usernames lock the same way, unaudited, so the answer tells nothing)."""
    await request.app[DATABASE].run(
        lambda u: do_append_audit(
            u,
            actor="system",
            action="user.lock",
            target=f"user:{user_id}",
            ip=request.remote,
            detail={"failures": verdict.failures, "lockedS": round(verdict.locked_s)},
        )
    )


async def logout(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    token: AccessToken = request[ACCESS_TOKEN]
    await s.commit()  # ends the read; the logout is its own unit of work
    await request.app[DATABASE].run(lambda u: accounts.do_end_session(u, token, ip=request.remote))
    if token.sid is not None:  # after the commit: close this node's sockets of it
        await request.app[ROOM_NAMESPACE].end_staff_sockets(token.sub, only_session=token.sid)
    return web.json_response({"ok": True})


async def change_password(
    request: web.Request, s: AsyncSession, who: Subject | None
) -> web.Response:
    assert who is not None
    if who.role in ROOM_ROLES:
        raise DomainError("forbidden", "无权执行此操作 / not allowed", 403)
    data = await body(request)
    token: AccessToken = request[ACCESS_TOKEN]
    await s.commit()  # ends the read; Argon2 runs with no transaction open
    ended = await accounts.change_password(
        request.app[DATABASE],
        request.app[PASSWORDS],
        who.id,
        text(data, "current", max_len=200),
        text(data, "new", max_len=200),
        keep_session=token.sid,
        ip=request.remote,
    )
    await request.app[ROOM_NAMESPACE].end_staff_sockets(who.id, keep_session=token.sid)
    return web.json_response({"ok": True, "sessionsEnded": ended})


async def create_user(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    data = await body(request)
    username, name = text(data, "username", max_len=64), text(data, "name")
    role, org_id = text(data, "role", max_len=16), text(data, "organisationId", max_len=32)
    password = text(data, "password", max_len=200)
    await domain.access_organisation_by_id(s, who, org_id, policy.USER_MANAGE)
    accounts.check_new_password(password)
    await s.commit()  # ends the read; Argon2 runs with no transaction open
    hashed = await request.app[PASSWORDS].hash(password)

    async def unit(u: AsyncSession) -> User:
        org = await domain.access_organisation_by_id(u, who, org_id, policy.USER_MANAGE)
        return await domain.do_create_user(
            u,
            username=username,
            display_name=name,
            role=role,
            organisation=org,
            password_hash=hashed,
            actor=who.id,
            ip=request.remote,
        )

    user = await request.app[DATABASE].run(unit)
    return web.json_response(user_json(user), status=201)


async def update_user(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {active: bool}: disable (every session of the user ends) or enable."""
    assert who is not None
    data = await body(request)
    if set(data) - {"active"} or not isinstance(data.get("active"), bool):
        raise BadInput("请求体应为 {active: 布尔值} / body: {active: bool}")
    active: bool = data["active"]
    user_id = request.match_info["user_id"]
    await s.commit()  # ends the read; the change is its own unit of work

    async def unit(u: AsyncSession) -> User:
        user = await accounts.access_user_by_id(u, who, user_id)
        return await accounts.do_set_user_active(u, who, user, active, ip=request.remote)

    user = await request.app[DATABASE].run(unit)
    if not user.active:  # after the commit: close this node's sockets of the user
        await request.app[ROOM_NAMESPACE].end_staff_sockets(user.id)
    return web.json_response(user_json(user))


async def unlock_user(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Lift a login lock (and the account's back-off), audited."""
    assert who is not None
    user = await accounts.access_user_by_id(s, who, request.match_info["user_id"])
    await s.commit()  # ends the read
    throttle: Throttle = request.app[THROTTLE]
    key = account_key(user.username)
    was_locked = (await throttle.check(key)).locked_s > 0
    await throttle.clear(key)
    await request.app[DATABASE].run(
        lambda u: do_append_audit(
            u,
            actor=who.id,
            action="user.unlock",
            target=f"user:{user.id}",
            ip=request.remote,
            detail={"wasLocked": was_locked},
        )
    )
    return web.json_response({"id": user.id, "unlocked": True, "wasLocked": was_locked})


async def code_attempt_allowed(request: web.Request, code: str) -> None:
    """Before a 6-digit code is looked up: refuse (429) a throttled address or code."""
    throttle: Throttle = request.app[THROTTLE]
    keys = (f"code:code:{code[:6]}", f"code:addr:{_address(request)}")
    _refuse_if_throttled([await throttle.check(k) for k in keys])


async def code_attempt_failed(request: web.Request, code: str) -> None:
    throttle: Throttle = request.app[THROTTLE]
    per_code, per_address = _code_limits(request)
    await throttle.failure(f"code:code:{code[:6]}", per_code)
    await throttle.failure(f"code:addr:{_address(request)}", per_address)
