"""Accounts: log in, log out, who am I, change my password; staff users (create,
enable or disable, lift a login lock); and the 6-digit code entry's throttle.

Failed logins are throttled per account and per client address (signaling.throttle):
after a few failures each further one doubles the wait, answered with 429
`rate_limited` and a Retry-After header; many failures lock the account (429
`account_locked`) until it expires or an administrator lifts it. Unknown
usernames are throttled and locked exactly like known ones, so neither the answer
nor its timing tells whether an account exists. Password work runs on the
PasswordPool's threads, with no transaction open (each write is a unit of work
of its own, run after the slow part); when that pool is full the answer is 503
`busy` (signaling.api.routing). Sockets of an ended session are closed after the commit.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ConfigDict, RootModel, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import accounts, domain, policy, users
from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.models import User
from rooms.tokens import ROOM_ROLES, STAFF_ROLES, issue
from signaling.api.routing import ACCESS_TOKEN, API, Ctx, Route
from signaling.keys import (
    DATABASE,
    PASSWORDS,
    ROOM_NAMESPACE,
    ROOMS_SETTINGS,
    SIGNALING,
    THROTTLE,
    TOKEN_SECRET,
)
from signaling.models import (
    Body,
    NoBody,
    NoQuery,
    Text16,
    Text32,
    Text64,
    Text100,
    Text200,
    Wire,
)
from signaling.rate_limit import RateLimited
from signaling.settings import SignalingSettings
from signaling.throttle import Limits, Throttle, Verdict

# password checks running or waiting per client address (this node): one address
# can't take the whole password pool, and a flood is answered 429 at once
IN_FLIGHT: web.AppKey[dict[str, int]] = web.AppKey("logins_in_flight", dict)


def setup(app: web.Application) -> None:
    app[IN_FLIGHT] = {}


class UserOut(Wire):
    id: str
    username: str
    name: str
    role: str
    organisation_id: str | None
    active: bool
    # a password an administrator set: the user must change it before anything else
    must_change_password: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            name=user.display_name,
            role=user.role,
            organisation_id=user.organisation_id,
            active=user.active,
            must_change_password=user.must_change_password,
        )


class UserList(RootModel[list[UserOut]]):
    pass


class LoginBody(Body):
    username: Text200
    password: Text200


class LoginOut(Wire):
    token: str
    user: UserOut
    expires_in_s: int


class MeOut(Wire):
    """Who I am and what the staff pages may offer me: `permissions` are my role's
    actions (rooms.policy), `grantable_roles` the roles I may give others."""

    id: str
    name: str
    username: str | None
    role: str
    organisation_id: str | None
    must_change_password: bool
    permissions: list[str]
    grantable_roles: list[str]
    severity_levels: list[str]


class PasswordBody(Body):
    current: Text200
    new: Text200


class PasswordChanged(Wire):
    ok: bool = True
    sessions_ended: int  # the user's other login sessions, ended by the change


class LoggedOut(Wire):
    ok: bool = True


class UserBody(Body):
    organisation_id: Text32
    username: Text64
    name: Text200
    role: Text16
    password: Text200


class UserUpdateBody(Body):
    """Any of name, role, organisationId, active, password (rooms.users says who may
    change what); at least one."""

    model_config = ConfigDict(extra="forbid")

    name: Text100 | None = None
    role: Text16 | None = None
    organisation_id: Text32 | None = None
    active: bool | None = None
    password: Text200 | None = None

    @model_validator(mode="after")
    def _something(self) -> UserUpdateBody:
        if not self.model_fields_set:
            raise ValueError(
                "可修改的字段：name, role, organisationId, active, password / "
                "fields: active, name, organisationId, password, role"
            )
        return self


class Unlocked(Wire):
    id: str
    unlocked: bool
    was_locked: bool


def account_key(username: str) -> str:
    return f"login:acct:{username.strip().casefold()[:64]}"


def _address(ctx: Ctx[Any, Any]) -> str:
    return ctx.ip or "?"


def _limits(ctx: Ctx[LoginBody, NoQuery]) -> tuple[Limits, Limits]:
    """(per account, per address) limits of POST /login, from the config."""
    c = ctx.app[SIGNALING]
    account = _backoff(c, c.login_free_failures_account, c.login_lock_after, c.login_lock_s)
    return account, _backoff(c, c.login_free_failures_address)


def _backoff(
    c: SignalingSettings, free: int, lock_after: int | None = None, lock_s: float = 86400.0
) -> Limits:
    return Limits(
        free=free,
        base_s=c.backoff_base_s,
        max_s=c.backoff_max_s,
        window_s=c.throttle_window_s,
        lock_after=lock_after,
        lock_s=lock_s,
    )


def _refuse_if_throttled(verdicts: list[Verdict]) -> None:
    locked = max(v.locked_s for v in verdicts)
    if locked > 0:
        raise RateLimited(
            locked,
            "account_locked",
            "登录失败次数过多，账户已锁定，请联系管理员解锁 / "
            "too many failed logins: the account is locked, ask an administrator",
        )
    wait = max(v.retry_after_s for v in verdicts)
    if wait > 0:
        raise RateLimited(wait)


async def login(ctx: Ctx[LoginBody, NoQuery]) -> LoginOut:
    username, password = ctx.body.username, ctx.body.password
    throttle: Throttle = ctx.app[THROTTLE]
    per_account, per_address = _limits(ctx)
    keys = (account_key(username), f"login:addr:{_address(ctx)}")
    _refuse_if_throttled([await throttle.check(k) for k in keys])
    found = await accounts.user_by_username(ctx.session, username)
    await ctx.session.commit()  # ends the read: no connection is held while Argon2 runs
    in_flight, address = ctx.app[IN_FLIGHT], _address(ctx)
    if in_flight.get(address, 0) >= ctx.app[SIGNALING].login_in_flight_per_address:
        raise RateLimited(1, message="登录请求过于频繁，请稍后再试 / too many logins at once: wait")
    in_flight[address] = in_flight.get(address, 0) + 1
    try:
        user = await accounts.check_login(ctx.app[PASSWORDS], found, password)
    except DomainError:
        verdict = await throttle.failure(keys[0], per_account)
        await throttle.failure(keys[1], per_address)
        if verdict.newly_locked and found is not None:
            await _audit_lock(ctx, found.id, verdict)
        raise
    finally:
        in_flight[address] -= 1
        if not in_flight[address]:
            del in_flight[address]
    await throttle.clear(keys[0])
    ttl_s = ctx.app[SIGNALING].staff_token_ttl_s
    row = await ctx.app[DATABASE].run(
        lambda u: accounts.do_start_session(u, user, ttl_s=ttl_s, ip=ctx.ip)
    )
    token = issue(
        ctx.app[TOKEN_SECRET],
        sub=user.id,
        name=user.display_name,
        role=user.role,
        org=user.organisation_id,
        sid=row.id,
        ttl_s=ttl_s,
    )
    return LoginOut(token=token, user=UserOut.of(user), expires_in_s=ttl_s)


async def _audit_lock(ctx: Ctx[LoginBody, NoQuery], user_id: str, verdict: Verdict) -> None:
    """An existing account just got locked: say so in the audit log (unknown
    usernames lock the same way, unaudited, so the answer tells nothing)."""
    await ctx.app[DATABASE].run(
        lambda u: do_append_audit(
            u,
            actor="system",
            action="user.lock",
            target=f"user:{user_id}",
            ip=ctx.ip,
            detail={"failures": verdict.failures, "lockedS": round(verdict.locked_s)},
        )
    )


async def logout(ctx: Ctx[NoBody, NoQuery]) -> LoggedOut:
    ctx.who  # noqa: B018  (authenticated)
    token = ctx.request[ACCESS_TOKEN]
    await ctx.session.commit()  # ends the read; the logout is its own unit of work
    await ctx.app[DATABASE].run(lambda u: accounts.do_end_session(u, token, ip=ctx.ip))
    if token.sid is not None:  # after the commit: close this node's sockets of it
        await ctx.app[ROOM_NAMESPACE].end_staff_sockets(token.sub, only_session=token.sid)
    return LoggedOut()


async def me(ctx: Ctx[NoBody, NoQuery]) -> MeOut:
    who = ctx.who
    user = None if who.role not in STAFF_ROLES else await ctx.session.get(User, who.id)
    return MeOut(
        id=who.id,
        name=user.display_name if user else who.name,
        username=user.username if user else None,
        role=who.role,
        organisation_id=user.organisation_id if user else None,
        must_change_password=bool(user and user.must_change_password),
        permissions=sorted(policy.ROLE_ACTIONS.get(who.role, frozenset())),
        grantable_roles=policy.grantable_roles(who),
        severity_levels=ctx.app[ROOMS_SETTINGS].severity_levels,
    )


async def change_password(ctx: Ctx[PasswordBody, NoQuery]) -> PasswordChanged:
    who = ctx.who
    if who.role in ROOM_ROLES:
        raise DomainError("forbidden", "无权执行此操作 / not allowed", 403)
    token = ctx.request[ACCESS_TOKEN]
    await ctx.session.commit()  # ends the read; Argon2 runs with no transaction open
    ended = await accounts.change_password(
        ctx.app[DATABASE],
        ctx.app[PASSWORDS],
        who.id,
        ctx.body.current,
        ctx.body.new,
        keep_session=token.sid,
        ip=ctx.ip,
    )
    await ctx.app[ROOM_NAMESPACE].end_staff_sockets(who.id, keep_session=token.sid)
    return PasswordChanged(sessions_ended=ended)


async def list_users(ctx: Ctx[NoBody, NoQuery]) -> UserList:
    return UserList([UserOut.of(u) for u in await domain.list_users(ctx.session, ctx.who)])


async def list_mediators(ctx: Ctx[NoBody, NoQuery]) -> UserList:
    return UserList([UserOut.of(u) for u in await domain.list_mediators(ctx.session, ctx.who)])


async def create_user(ctx: Ctx[UserBody, NoQuery]) -> UserOut:
    who, body = ctx.who, ctx.body
    await domain.access_organisation_by_id(
        ctx.session, who, body.organisation_id, policy.USER_MANAGE
    )
    users.check_grantable(who, body.role)  # nobody grants a role they don't hold
    accounts.check_new_password(body.password, body.username)
    await ctx.session.commit()  # ends the read; Argon2 runs with no transaction open
    hashed = await ctx.app[PASSWORDS].hash(body.password)

    async def unit(u: AsyncSession) -> User:
        org = await domain.access_organisation_by_id(
            u, who, body.organisation_id, policy.USER_MANAGE
        )
        return await domain.do_create_user(
            u,
            username=body.username,
            display_name=body.name,
            role=body.role,
            organisation=org,
            password_hash=hashed,
            actor=who.id,
            ip=ctx.ip,
            must_change_password=True,  # the administrator knows it: the user picks their own
        )

    return UserOut.of(await ctx.app[DATABASE].run(unit))


async def update_user(ctx: Ctx[UserUpdateBody, NoQuery]) -> UserOut:
    """Disabling ends every session of the user; so does a new password, which the
    user must then change at the next login."""
    who, body, user_id = ctx.who, ctx.body, ctx.param("user_id")
    target = await accounts.access_user_by_id(ctx.session, who, user_id)
    if body.password is not None:
        accounts.check_new_password(body.password, target.username)
    await ctx.session.commit()  # ends the read: Argon2 and the change run outside it
    hashed = None if body.password is None else await ctx.app[PASSWORDS].hash(body.password)
    changes = users.UserChanges(
        name=body.name,
        role=body.role,
        organisation_id=body.organisation_id,
        active=body.active,
        password_hash=hashed,
    )

    async def unit(u: AsyncSession) -> User:
        user = await accounts.access_user_by_id(u, who, user_id)
        return await users.do_update_user(u, who, user, changes, ip=ctx.ip)

    user = await ctx.app[DATABASE].run(unit)
    if not user.active or (hashed is not None and user.id != who.id):
        # after the commit: close this node's sockets of the user
        await ctx.app[ROOM_NAMESPACE].end_staff_sockets(user.id)
    return UserOut.of(user)


async def unlock_user(ctx: Ctx[NoBody, NoQuery]) -> Unlocked:
    """Lift a login lock (and the account's back-off), audited."""
    who = ctx.who
    user = await accounts.access_user_by_id(ctx.session, who, ctx.param("user_id"))
    await ctx.session.commit()  # ends the read
    throttle: Throttle = ctx.app[THROTTLE]
    key = account_key(user.username)
    was_locked = (await throttle.check(key)).locked_s > 0
    await throttle.clear(key)
    await ctx.app[DATABASE].run(
        lambda u: do_append_audit(
            u,
            actor=who.id,
            action="user.unlock",
            target=f"user:{user.id}",
            ip=ctx.ip,
            detail={"wasLocked": was_locked},
        )
    )
    return Unlocked(id=user.id, unlocked=True, was_locked=was_locked)


async def code_attempt_allowed(ctx: Ctx[Any, Any], code: str) -> None:
    """Before a 6-digit code is looked up: refuse (429) a throttled address or code."""
    await code_attempt_allowed_at(ctx.app, _address(ctx), code)


async def code_attempt_failed(ctx: Ctx[Any, Any], code: str) -> None:
    await code_attempt_failed_at(ctx.app, _address(ctx), code)


async def code_attempt_allowed_at(app: web.Application, address: str, code: str) -> None:
    """The same for a code that arrives outside the route table (a short link's)."""
    throttle: Throttle = app[THROTTLE]
    keys = (f"code:code:{code[:6]}", f"code:addr:{address}")
    _refuse_if_throttled([await throttle.check(k) for k in keys])


async def code_attempt_failed_at(app: web.Application, address: str, code: str) -> None:
    c = app[SIGNALING]
    throttle: Throttle = app[THROTTLE]
    await throttle.failure(f"code:code:{code[:6]}", _backoff(c, c.code_free_failures_code))
    await throttle.failure(f"code:addr:{address}", _backoff(c, c.code_free_failures_address))


USER = f"{API}/users/{{user_id}}"
ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "POST",
        f"{API}/login",
        "登录，取得访问令牌 / log in, get an access token",
        login,
        LoginOut,
        body=LoginBody,
        public=True,
    ),
    Route("POST", f"{API}/logout", "退出登录 / log out (ends this session)", logout, LoggedOut),
    Route("GET", f"{API}/me", "当前用户 / who am I", me, MeOut),
    Route(
        "POST",
        f"{API}/me/password",
        "修改密码（其他登录随之失效）/ change my password (other sessions end)",
        change_password,
        PasswordChanged,
        body=PasswordBody,
    ),
    Route("GET", f"{API}/users", "本辖区用户 / users of my subtree", list_users, UserList),
    Route(
        "POST",
        f"{API}/users",
        "新建用户 / create a user",
        create_user,
        UserOut,
        body=UserBody,
        status=201,
    ),
    Route(
        "PATCH",
        USER,
        "修改用户（姓名、角色、机构、启用、密码）/ edit, disable or enable a user",
        update_user,
        UserOut,
        body=UserUpdateBody,
    ),
    Route(
        "POST",
        f"{USER}/unlock",
        "解除登录锁定 / lift a login lock",
        unlock_user,
        Unlocked,
    ),
    Route(
        "GET",
        f"{API}/mediators",
        "本辖区调解员 / mediators of my subtree",
        list_mediators,
        UserList,
    ),
)

__all__ = [
    "ROUTES",
    "UserOut",
    "code_attempt_allowed",
    "code_attempt_allowed_at",
    "code_attempt_failed",
    "code_attempt_failed_at",
    "setup",
]
