"""REST handlers for calls from the command center: ring one office (roll-call) or
several (a meeting), answer from an office's page (a seat token for the call's room),
end. Routes are listed here and taken in by signaling.rest.ROUTES."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center import calls, walls
from rooms.domain import DomainError
from rooms.models import Organisation
from rooms.policy import WALL_MANAGE, Subject
from rooms.tokens import issue, verify
from signaling.decoder import BadInput, body, integer, text
from signaling.keys import CONFIG, DATABASE, TOKEN_SECRET, WALL_NAMESPACE
from signaling.rest_rooms import SEAT_TTL_S

API = "/api/v1"
Handler = Callable[[web.Request, AsyncSession, Subject | None], Awaitable[web.StreamResponse]]


async def start_call(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Body {kind: roll-call|meeting, organisationIds: [...], title?, place?: {wall,
    screen, tile}}: ring the offices; with `place`, the call's room goes on that tile."""
    assert who is not None
    data = await body(request)
    kind = text(data, "kind", max_len=16)
    ids = data.get("organisationIds")
    if not isinstance(ids, list) or not all(isinstance(i, str) and len(i) <= 32 for i in ids):
        raise BadInput("organisationIds 须为机构编号列表 / organisationIds must be a list of ids")
    title = text(data, "title", max_len=100, required=False)
    place = data.get("place")
    if place is not None and not isinstance(place, dict):
        raise BadInput("place 须为 {wall, screen, tile} / place must be {wall, screen, tile}")

    async def work(tx: AsyncSession) -> tuple[dict[str, Any], int | None]:
        offices = list(
            (await tx.scalars(select(Organisation).where(Organisation.id.in_(set(ids[:51]))))).all()
        )
        if len(offices) != len(set(ids)):
            raise DomainError("not_found", "机构不存在 / no such organisation", 404)
        call, room = await calls.do_start_call(
            tx, who, offices, kind=kind, title=title, ip=request.remote
        )
        version = None
        if place is not None:
            wall, path = await walls.access_wall_by_id(
                tx, who, text(place, "wall", max_len=32), WALL_MANAGE, for_update=True
            )
            screen = await walls.screen_of(
                tx, wall, integer(place, "screen", default=1, low=1, high=99)
            )
            content = await walls.check_source(
                tx, who, path, {"kind": walls.ROOM, "roomId": room.id}
            )
            tile = integer(place, "tile", default=1, low=1, high=99)
            await walls.do_put_tile(tx, who, wall, path, screen, tile, content, ip=request.remote)
            version = wall.version
        return {**calls.call_json(call, room), "from": who.name}, version

    answer, version = await request.app[DATABASE].run(work)
    namespace = request.app[WALL_NAMESPACE]
    if version is not None and place is not None:
        await namespace.wall_changed(str(place["wall"]), version)
    await namespace.ring(answer["organisationIds"], answer)
    return web.json_response(answer, status=201)


async def answer_call(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """An office answers: audited; a seat in the call's room for the one answering."""
    assert who is not None
    call_id = request.match_info["call_id"]
    call, room = await request.app[DATABASE].run(
        lambda tx: calls.do_answer_call(tx, who, call_id, ip=request.remote)
    )
    token = verify(request.app[TOKEN_SECRET], request.headers["Authorization"][7:])
    seat = issue(
        request.app[TOKEN_SECRET],
        sub=token.sub,
        name=token.name,
        role=token.role,
        org=token.org,
        room=room.id,
        sid=token.sid,
        ttl_s=min(SEAT_TTL_S, max(token.exp - time.time(), 1)),
    )
    return web.json_response(
        {**calls.call_json(call, room), "url": f"{request.app[CONFIG].base_url}/join/{seat}"}
    )


async def end_call(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    call_id = request.match_info["call_id"]
    call = await request.app[DATABASE].run(
        lambda tx: calls.do_end_call(tx, who, call_id, ip=request.remote)
    )
    await request.app[WALL_NAMESPACE].ring(call.organisation_ids, calls.call_json(call))
    return web.json_response(calls.call_json(call))


# (method, path, summary, handler): signaling.rest.ROUTES takes them in
ROUTES: tuple[tuple[str, str, str, Handler], ...] = (
    ("POST", f"{API}/calls", "点名或召开视频会议 / roll-call an office, or a meeting", start_call),
    ("POST", f"{API}/calls/{{call_id}}/answer", "机构接听呼叫 / an office answers", answer_call),
    ("POST", f"{API}/calls/{{call_id}}/end", "结束呼叫 / end a call", end_call),
)
