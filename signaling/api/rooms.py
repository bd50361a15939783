"""Case rooms: open one, end one (the live session too), a staff member's seat;
and rooms as the staff pages list them (read only):

GET /api/v1/cases/{case_id}/rooms: a case's rooms, newest first, each with its
invitations and their status (active, used, expired, revoked), so the case page
remembers them and offers the open room instead of making another. Links and codes
only for those who may invite (they are a way in).

GET /api/v1/rooms: the rooms of my subtree, those not ended first, paged; rooms of
no organisation (ad-hoc) for staff of the tree's root only."""

from __future__ import annotations

import datetime as dt
import time

from pydantic import Field, RootModel
from sqlalchemy import func, or_, select

from rooms import actions, domain, live_actions, policy
from rooms.domain import DomainError
from rooms.errors import RoomEnded
from rooms.models import ROOM_ENDED, Case, Invitation, Organisation, Room, utcnow
from rooms.tokens import ROOM_ROLES, issue, verify
from signaling.api.invitations import invitation_link
from signaling.api.routing import API, Ctx, Route, iso
from signaling.keys import DATABASE, LIVE_ROOMS, RECORDINGS, ROOM_NAMESPACE, SERVER, TOKEN_SECRET
from signaling.models import NoBody, NoQuery, Query, Wire

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
    await ctx.app[ROOM_NAMESPACE].lobby_events.room_ended(room.id)  # nobody waits on
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


class InvitationStatusOut(Wire):
    id: str
    name: str
    role: str
    status: str  # active, used, expired, revoked
    uses: int
    max_uses: int
    expires_at: str | None
    created_at: str | None
    # a way in: only for those who may invite, only while active (else null)
    url: str | None = None
    code: str | None = None


class CaseRoomOut(RoomOut):
    created_at: str | None
    ended_at: str | None
    invitations: list[InvitationStatusOut]


class CaseRoomList(RootModel[list[CaseRoomOut]]):
    pass


class RoomsQuery(Query):
    ended: bool = False  # include ended rooms (?ended=1)
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(20, ge=1, le=100)


class RoomListItem(RoomOut):
    case_number: str | None
    organisation_id: str | None
    created_at: str | None
    ended_at: str | None


class RoomPage(Wire):
    items: list[RoomListItem]
    total: int
    page: int
    per_page: int


def invitation_status(invitation: Invitation, now: dt.datetime) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.uses >= invitation.max_uses:
        return "used"
    expires = invitation.expires_at
    if (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) < now:
        return "expired"
    return "active"


async def case_rooms(ctx: Ctx[NoBody, NoQuery]) -> CaseRoomList:
    s, who = ctx.session, ctx.who
    case, path = await domain.access_case_by_id(s, who, ctx.param("case_id"))
    may_invite = policy.allowed(who, policy.INVITE_CREATE, org_path=path)
    rooms = list(
        await s.scalars(
            select(Room).where(Room.case_id == case.id).order_by(Room.created_at.desc())
        )
    )
    invitations: dict[str, list[Invitation]] = {}
    if rooms:
        for invitation in await s.scalars(
            select(Invitation)
            .where(Invitation.room_id.in_([r.id for r in rooms]))
            .order_by(Invitation.created_at)
        ):
            invitations.setdefault(invitation.room_id, []).append(invitation)
    now = utcnow()

    def invitation_out(i: Invitation) -> InvitationStatusOut:
        status = invitation_status(i, now)
        way_in = may_invite and status == "active"
        return InvitationStatusOut(
            id=i.id,
            name=i.name,
            role=i.role,
            status=status,
            uses=i.uses,
            max_uses=i.max_uses,
            expires_at=iso(i.expires_at),
            created_at=iso(i.created_at),
            url=invitation_link(ctx.app, i) if way_in else None,
            code=i.code if way_in else None,
        )

    return CaseRoomList(
        [
            CaseRoomOut.model_validate(
                {
                    **RoomOut.fields_of(r),
                    "created_at": iso(r.created_at),
                    "ended_at": iso(r.ended_at),
                    "invitations": [invitation_out(i) for i in invitations.get(r.id, [])],
                }
            )
            for r in rooms
        ]
    )


async def list_rooms(ctx: Ctx[NoBody, RoomsQuery]) -> RoomPage:
    s, who, q = ctx.session, ctx.who, ctx.query
    policy.authorize(who, policy.CASE_VIEW)
    orgs = select(Organisation.id).where(Organisation.path.startswith(who.org_path or "\0"))
    mine = Room.organisation_id.in_(orgs)
    query = select(Room).where(
        or_(mine, Room.organisation_id.is_(None)) if who.root_admin else mine
    )
    if not q.ended:
        query = query.where(Room.state != ROOM_ENDED)
    total = await s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await s.scalars(
        query.order_by((Room.state == ROOM_ENDED).asc(), Room.created_at.desc())
        .offset((q.page - 1) * q.per_page)
        .limit(q.per_page)
    )
    rooms = list(rows)
    cases = {
        c.id: c
        for c in await s.scalars(
            select(Case).where(Case.id.in_([r.case_id for r in rooms if r.case_id]))
        )
    }
    return RoomPage(
        items=[
            RoomListItem.model_validate(
                {
                    **RoomOut.fields_of(r),
                    "case_number": cases[r.case_id].number if r.case_id in cases else None,
                    "organisation_id": r.organisation_id,
                    "created_at": iso(r.created_at),
                    "ended_at": iso(r.ended_at),
                }
            )
            for r in rooms
        ],
        total=total,
        page=q.page,
        per_page=q.per_page,
    )


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
        "GET",
        f"{API}/cases/{{case_id}}/rooms",
        "案件的调解室及邀请 / a case's rooms and invitations",
        case_rooms,
        CaseRoomList,
    ),
    Route(
        "GET",
        f"{API}/rooms",
        "本辖区调解室（未结束的在前）/ rooms of my subtree",
        list_rooms,
        RoomPage,
        query=RoomsQuery,
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
