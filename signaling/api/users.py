"""Users of one's subtree, and its mediators."""

from __future__ import annotations

from pydantic import RootModel

from rooms import domain, policy
from signaling.api.accounts import UserOut
from signaling.api.routing import API, Ctx, Route
from signaling.models import Body, NoBody, NoQuery, Text16, Text32, Text64, Text200


class UserList(RootModel[list[UserOut]]):
    pass


class UserBody(Body):
    organisation_id: Text32
    username: Text64
    name: Text200
    role: Text16
    password: Text200


async def list_users(ctx: Ctx[NoBody, NoQuery]) -> UserList:
    return UserList([UserOut.of(u) for u in await domain.list_users(ctx.session, ctx.who)])


async def create_user(ctx: Ctx[UserBody, NoQuery]) -> UserOut:
    body = ctx.body
    org = await domain.access_organisation_by_id(
        ctx.session, ctx.who, body.organisation_id, policy.USER_MANAGE
    )
    user = await domain.do_create_user(
        ctx.session,
        username=body.username,
        display_name=body.name,
        role=body.role,
        organisation=org,
        password=body.password,
        actor=ctx.who.id,
        ip=ctx.ip,
    )
    return UserOut.of(user)


async def list_mediators(ctx: Ctx[NoBody, NoQuery]) -> UserList:
    return UserList([UserOut.of(u) for u in await domain.list_mediators(ctx.session, ctx.who)])


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route("GET", f"{API}/users", "本辖区用户 / users of my subtree", list_users, UserList),
    Route(
        "POST",
        f"{API}/users",
        "新建用户 / create a user",
        create_user,
        UserOut,
        body=UserBody,
        status=201,
        unit=True,
    ),
    Route(
        "GET",
        f"{API}/mediators",
        "本辖区调解员 / mediators of my subtree",
        list_mediators,
        UserList,
    ),
)
