"""Case rooms: open one, end one (the live session too), a staff member's seat."""

from __future__ import annotations

import time

from rooms import actions, domain, live_actions, policy
from rooms.domain import DomainError
from rooms.errors import RoomEnded
from rooms.models import ROOM_ENDED, Room
from rooms.tokens import ROOM_ROLES, issue, verify
from signaling.api.routing import API, Ctx, Route
from signaling.keys import DATABASE, LIVE_ROOMS, RECORDINGS, SERVER, TOKEN_SECRET
from signaling.models import NoBody, NoQuery, Wire

SEAT_TTL_S = 12 * 3600


class RoomOut(Wire):
    id: str
    name: str
    state: str
    case_id: str | None

    @classmethod
    def fields_of(cls, room: Room) -> dict[str, object]:
        return {"id": room.id, "name": room.name, "state": room.state, "case_id": room.case_id}

    @classmethod
    def of(cls, room: Room) -> RoomOut:
        return cls.model_validate(cls.fields_of(room))


class EndedRoomOut(RoomOut):
    sealed_recording_id: str | None  # the recording the ending stopped and sealed, if one ran


class SeatOut(Wire):
    url: str
    expires_in: int


async def create_room(ctx: Ctx[NoBody, NoQuery]) -> RoomOut:
    case, path = await domain.access_case_by_id(
        ctx.session, ctx.who, ctx.param("case_id"), policy.ROOM_CREATE
    )
    room = await domain.do_create_case_room(ctx.session, ctx.who, case, path, ip=ctx.ip)
    return RoomOut.of(room)


async def end_room(ctx: Ctx[NoBody, NoQuery]) -> EndedRoomOut:
    """The same ending as the socket event: rooms.live_actions.end_room."""
    room = await domain.access_room_by_id(
        ctx.session, ctx.who, ctx.param("room_id"), policy.ROOM_END
    )
    await ctx.session.commit()  # ends the read; the ending is its own unit of work
    running = ctx.app[RECORDINGS].state(room.id)
    await live_actions.end_room(
        ctx.app[DATABASE], ctx.app[LIVE_ROOMS], room.id, actor=ctx.who.id, ip=ctx.ip
    )
    async with ctx.app[DATABASE].session() as fresh:
        ended = await actions.get_room(fresh, room.id)
    return EndedRoomOut.model_validate(
        {**RoomOut.fields_of(ended or room), "sealed_recording_id": running.recording_id}
    )


async def seat(ctx: Ctx[NoBody, NoQuery]) -> SeatOut:
    """A staff member's own way into a room's page: a short-lived token for this
    one room, with their own identity and role (staff never enter through an
    invitation)."""
    who = ctx.who
    if who.role in ROOM_ROLES:
        raise DomainError("forbidden", "仅限工作人员 / staff only", 403)
    room = await domain.access_room_by_id(ctx.session, who, ctx.param("room_id"), policy.ROOM_JOIN)
    if room.state == ROOM_ENDED:
        raise RoomEnded()
    if who.room is not None and who.room != room.id:
        raise DomainError("forbidden", policy.ONE_ROOM, 403)
    token = verify(ctx.app[TOKEN_SECRET], ctx.request.headers["Authorization"][7:])
    seat_token = issue(
        ctx.app[TOKEN_SECRET],
        sub=token.sub,
        name=token.name,
        role=token.role,
        org=token.org,
        room=room.id,
        inv=token.inv,
        sid=token.sid,  # ends with the login session it came from (rooms.accounts)
        ttl_s=min(SEAT_TTL_S, max(token.exp - time.time(), 1)),
    )
    return SeatOut(url=f"{ctx.app[SERVER].base_url}/join/{seat_token}", expires_in=SEAT_TTL_S)


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "POST",
        f"{API}/cases/{{case_id}}/rooms",
        "为案件开设调解室 / open a room",
        create_room,
        RoomOut,
        status=201,
        unit=True,
    ),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/end",
        "结束调解室 / end a room",
        end_room,
        EndedRoomOut,
    ),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/seat",
        "本人进入调解室的链接 / my own link into a room",
        seat,
        SeatOut,
    ),
)
