"""REST handlers for case rooms and invitations: open, end (the live session
too), a staff member's seat, invite (room roles only), revoke (ending its seats),
the QR code. Routes are listed in signaling.rest.ROUTES."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

import segno
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import actions, domain, policy
from rooms.domain import DomainError
from rooms.models import ROOM_ENDED, Invitation, Room
from rooms.policy import Subject
from rooms.tokens import ROOM_ROLES, issue, verify
from signaling.decoder import body, integer, text
from signaling.keys import CONFIG, DATABASE, ROOM_NAMESPACE, TOKEN_SECRET
from signaling.room_ending import end_room as end_room_everywhere


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def room_json(room: Room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name, "state": room.state, "caseId": room.case_id}


async def create_room(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    case, path = await domain.access_case_by_id(
        s, who, request.match_info["case_id"], policy.ROOM_CREATE
    )
    room = await domain.do_create_case_room(s, who, case, path, ip=request.remote)
    return web.json_response(room_json(room), status=201)


async def end_room(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    room = await domain.access_room_by_id(s, who, request.match_info["room_id"], policy.ROOM_END)
    await s.commit()  # ends the read; the ending is its own unit of work
    sealed = await end_room_everywhere(request.app, room.id, actor=who.id, ip=request.remote)
    async with request.app[DATABASE].session() as fresh:
        ended = await actions.get_room(fresh, room.id)
    return web.json_response({**room_json(ended or room), "sealedRecordingId": sealed})


async def seat(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """A staff member's own way into a room's page: a short-lived token for this
    one room, with their own identity and role (staff never enter through an
    invitation)."""
    assert who is not None
    if who.role in ROOM_ROLES:
        raise DomainError("forbidden", "仅限工作人员 / staff only", 403)
    room = await domain.access_room_by_id(s, who, request.match_info["room_id"], policy.ROOM_JOIN)
    if room.state == ROOM_ENDED:
        raise DomainError("room_ended", "调解室已结束 / the room has ended", 410)
    if who.room is not None and who.room != room.id:
        raise DomainError(
            "forbidden", "此链接只能进入指定的调解室 / this link opens one room only", 403
        )
    token = verify(request.app[TOKEN_SECRET], request.headers["Authorization"][7:])
    seat_token = issue(
        request.app[TOKEN_SECRET],
        sub=token.sub,
        name=token.name,
        role=token.role,
        org=token.org,
        room=room.id,
        inv=token.inv,
        sid=token.sid,  # ends with the login session it came from (rooms.accounts)
        ttl_s=min(SEAT_TTL_S, max(token.exp - time.time(), 1)),
    )
    return web.json_response(
        {"url": f"{request.app[CONFIG].base_url}/join/{seat_token}", "expiresIn": SEAT_TTL_S}
    )


SEAT_TTL_S = 12 * 3600


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
    ttl = integer(data, "ttlS", default=7200, low=60, high=7 * 86400)
    uses = integer(data, "maxUses", default=1, low=1, high=20)
    invitation = await domain.do_create_invitation(
        s,
        room,
        inviter=who,
        name=text(data, "name", max_len=50),
        role=text(data, "role", max_len=16),
        ttl_s=ttl,
        max_uses=uses,
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
    await s.commit()  # ends the read; the revocation is its own unit of work

    async def revoke(tx: AsyncSession) -> Invitation:
        fresh = await tx.get(Invitation, invitation.id)
        assert fresh is not None
        await domain.do_revoke_invitation(tx, fresh, actor=who.id, ip=request.remote)
        return fresh

    invitation = await request.app[DATABASE].run(revoke)
    # after the commit: nobody can enter with it now; end the seats it opened
    await request.app[ROOM_NAMESPACE].end_invitation_seats(invitation, actor=who.id)
    return web.json_response({"id": invitation.id, "revokedAt": iso(invitation.revoked_at)})


async def invitation_qr(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    invitation = await _invitation(request, s, who, policy.INVITE_CREATE)
    buffer = io.BytesIO()
    segno.make(invitation_link(request, invitation), error="m").save(buffer, kind="png", scale=6)
    return web.Response(body=buffer.getvalue(), content_type="image/png")
