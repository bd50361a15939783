"""Calls from the command center: ring one office (roll-call) or several (a
meeting), answer from an office's page (a seat token for the call's room), end."""

from __future__ import annotations

import time
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import calls, walls
from rooms.domain import DomainError
from rooms.models import Organisation
from rooms.policy import WALL_MANAGE
from rooms.tokens import issue
from signaling.api.rooms import SEAT_TTL_S
from signaling.api.routing import ACCESS_TOKEN, API, Ctx, Route
from signaling.keys import DATABASE, SERVER, TOKEN_SECRET, WALL_NAMESPACE
from signaling.models import Body, Id, NoBody, NoQuery, Text16, Text100, Wire

OrgId = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class CallPlace(Body):
    """Where the call's room goes on a wall."""

    wall: Id
    screen: int = Field(1, ge=1, le=99)
    tile: int = Field(1, ge=1, le=99)


class CallBody(Body):
    kind: Text16  # roll-call | meeting
    organisation_ids: list[OrgId] = Field(min_length=1, max_length=50)
    title: Text100 | None = None
    place: CallPlace | None = None


class CallOut(Wire):
    id: str
    kind: str
    room_id: str
    room_name: str | None
    organisation_ids: list[str]
    answered: dict[str, Any]  # organisation id -> who answered
    created_by: str | None
    created_at: str
    ended: bool


class CallStarted(CallOut):
    from_: str = Field(alias="from")  # who rings (the office's page shows it)


class CallAnswered(CallOut):
    url: str  # the office's seat in the call's room


async def start_call(ctx: Ctx[CallBody, NoQuery]) -> CallStarted:
    """Ring the offices; with `place`, the call's room goes on that tile."""
    who, body = ctx.who, ctx.body
    ids, place = body.organisation_ids, body.place
    await ctx.session.commit()

    async def work(tx: AsyncSession) -> tuple[dict[str, Any], int | None]:
        offices = list(
            (await tx.scalars(select(Organisation).where(Organisation.id.in_(set(ids))))).all()
        )
        if len(offices) != len(set(ids)):
            raise DomainError("not_found", "机构不存在 / no such organisation", 404)
        call, room = await calls.do_start_call(
            tx, who, offices, kind=body.kind, title=body.title or "", ip=ctx.ip
        )
        version = None
        if place is not None:
            wall, path = await walls.access_wall_by_id(
                tx, who, place.wall, WALL_MANAGE, for_update=True
            )
            screen = await walls.screen_of(tx, wall, place.screen)
            content = await walls.check_source(
                tx, who, path, {"kind": walls.ROOM, "roomId": room.id}
            )
            await walls.do_put_tile(tx, who, wall, path, screen, place.tile, content, ip=ctx.ip)
            version = wall.version
        return {**calls.call_json(call, room), "from": who.name}, version

    answer, version = await ctx.app[DATABASE].run(work)
    namespace = ctx.app[WALL_NAMESPACE]
    if version is not None and place is not None:
        await namespace.wall_changed(place.wall, version)
    await namespace.ring(answer["organisationIds"], answer)
    return CallStarted.model_validate(answer)


async def answer_call(ctx: Ctx[NoBody, NoQuery]) -> CallAnswered:
    """An office answers: audited; a seat in the call's room for the one answering."""
    who, call_id = ctx.who, ctx.param("call_id")
    await ctx.session.commit()
    call, room = await ctx.app[DATABASE].run(
        lambda tx: calls.do_answer_call(tx, who, call_id, ip=ctx.ip)
    )
    await ctx.app[WALL_NAMESPACE].call_changed(who.org_path, calls.call_json(call, room))
    token = ctx.request[ACCESS_TOKEN]
    seat = issue(
        ctx.app[TOKEN_SECRET],
        sub=token.sub,
        name=token.name,
        role=token.role,
        org=token.org,
        room=room.id,
        sid=token.sid,
        ttl_s=min(SEAT_TTL_S, max(token.exp - time.time(), 1)),
    )
    return CallAnswered.model_validate(
        {**calls.call_json(call, room), "url": f"{ctx.app[SERVER].base_url}/join/{seat}"}
    )


async def end_call(ctx: Ctx[NoBody, NoQuery]) -> CallOut:
    who, call_id = ctx.who, ctx.param("call_id")
    await ctx.session.commit()
    call = await ctx.app[DATABASE].run(lambda tx: calls.do_end_call(tx, who, call_id, ip=ctx.ip))
    await ctx.app[WALL_NAMESPACE].ring(call.organisation_ids, calls.call_json(call))
    await ctx.app[WALL_NAMESPACE].call_changed(who.org_path, calls.call_json(call))
    return CallOut.model_validate(calls.call_json(call))


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "POST",
        f"{API}/calls",
        "点名或召开视频会议 / roll-call an office, or a meeting",
        start_call,
        CallStarted,
        body=CallBody,
        status=201,
    ),
    Route(
        "POST",
        f"{API}/calls/{{call_id}}/answer",
        "机构接听呼叫 / an office answers",
        answer_call,
        CallAnswered,
    ),
    Route("POST", f"{API}/calls/{{call_id}}/end", "结束呼叫 / end a call", end_call, CallOut),
)

__all__ = ["ROUTES"]
