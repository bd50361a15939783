"""Accounts: log in, who am I, change my password."""

from __future__ import annotations

from rooms import domain
from rooms.domain import DomainError
from rooms.models import User
from rooms.tokens import PARTY, issue
from signaling.access_log import audit_access
from signaling.api.routing import API, Ctx, Route
from signaling.keys import CONFIG, TOKEN_SECRET
from signaling.models import Body, Done, NoBody, NoQuery, Text200, Wire


class UserOut(Wire):
    id: str
    username: str
    name: str
    role: str
    organisation_id: str | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            name=user.display_name,
            role=user.role,
            organisation_id=user.organisation_id,
        )


class LoginBody(Body):
    username: Text200
    password: Text200


class LoginOut(Wire):
    token: str
    user: UserOut


class MeOut(Wire):
    id: str
    name: str
    role: str
    severity_levels: list[str]


class PasswordBody(Body):
    current: Text200
    new: Text200


async def login(ctx: Ctx[LoginBody, NoQuery]) -> LoginOut:
    user = await domain.authenticate(ctx.session, ctx.body.username, ctx.body.password)
    token = issue(
        ctx.app[TOKEN_SECRET],
        sub=user.id,
        name=user.display_name,
        role=user.role,
        org=user.organisation_id,
        ttl_s=ctx.app[CONFIG].signaling.staff_token_ttl_s,
    )
    await audit_access(
        ctx.request, ctx.session, actor=user.id, action="login", target=f"user:{user.id}"
    )
    return LoginOut(token=token, user=UserOut.of(user))


async def me(ctx: Ctx[NoBody, NoQuery]) -> MeOut:
    who = ctx.who
    return MeOut(
        id=who.id,
        name=who.name,
        role=who.role,
        severity_levels=ctx.app[CONFIG].rooms.severity_levels,
    )


async def change_password(ctx: Ctx[PasswordBody, NoQuery]) -> Done:
    if ctx.who.role == PARTY:
        raise DomainError("forbidden", "无权执行此操作 / not allowed", 403)
    await domain.do_change_password(ctx.session, ctx.who.id, ctx.body.current, ctx.body.new)
    return Done()  # a unit of work: committed by the route


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
    Route("GET", f"{API}/me", "当前用户 / who am I", me, MeOut),
    Route(
        "POST",
        f"{API}/me/password",
        "修改密码 / change my password",
        change_password,
        Done,
        body=PasswordBody,
        unit=True,
    ),
)

__all__ = ["ROUTES", "UserOut"]
