"""Rooms as the staff pages list them (read only).

GET /api/v1/cases/{case_id}/rooms: a case's rooms, newest first, each with its
invitations and their status (active, used, expired, revoked), so the case page
remembers them and offers the open room instead of making another. Links and codes
only for those who may invite (they are a way in).

GET /api/v1/rooms: the rooms of my subtree, those not ended first, paged; rooms of
no organisation (ad-hoc) for staff of the tree's root only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import domain, policy
from rooms.models import ROOM_ENDED, Case, Invitation, Organisation, Room, utcnow
from rooms.policy import Subject
from signaling.keys import CONFIG, TOKEN_SECRET
from signaling.query import query_int


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else _aware(value).isoformat()


def invitation_status(invitation: Invitation, now: dt.datetime) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.uses >= invitation.max_uses:
        return "used"
    if _aware(invitation.expires_at) < now:
        return "expired"
    return "active"


async def case_rooms(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    assert who is not None
    case, path = await domain.access_case_by_id(s, who, request.match_info["case_id"])
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
    base = request.app[CONFIG].base_url
    secret = request.app[TOKEN_SECRET]

    def invitation_json(i: Invitation) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": i.id,
            "name": i.name,
            "role": i.role,
            "status": invitation_status(i, now),
            "uses": i.uses,
            "maxUses": i.max_uses,
            "expiresAt": _iso(i.expires_at),
            "createdAt": _iso(i.created_at),
        }
        if may_invite and out["status"] == "active":
            out["url"] = f"{base}/join/{domain.invitation_token(secret, i)}"
            out["code"] = i.code
        return out

    return web.json_response(
        [
            {
                "id": r.id,
                "name": r.name,
                "state": r.state,
                "caseId": r.case_id,
                "createdAt": _iso(r.created_at),
                "endedAt": _iso(r.ended_at),
                "invitations": [invitation_json(i) for i in invitations.get(r.id, [])],
            }
            for r in rooms
        ]
    )


async def list_rooms(request: web.Request, s: AsyncSession, who: Subject | None) -> web.Response:
    """Query: ended (include ended rooms: 1), page, per_page."""
    assert who is not None
    policy.authorize(who, policy.CASE_VIEW)
    page = query_int(request, "page", 1, 10_000)
    per_page = query_int(request, "per_page", 20, 100)
    orgs = select(Organisation.id).where(Organisation.path.startswith(who.org_path or "\0"))
    mine = Room.organisation_id.in_(orgs)
    query = select(Room).where(
        or_(mine, Room.organisation_id.is_(None)) if who.root_admin else mine
    )
    if request.query.get("ended") != "1":
        query = query.where(Room.state != ROOM_ENDED)
    total = await s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await s.scalars(
        query.order_by((Room.state == ROOM_ENDED).asc(), Room.created_at.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rooms = list(rows)
    titles = {
        c.id: c
        for c in await s.scalars(
            select(Case).where(Case.id.in_([r.case_id for r in rooms if r.case_id]))
        )
    }
    return web.json_response(
        {
            "items": [
                {
                    "id": r.id,
                    "name": r.name,
                    "state": r.state,
                    "caseId": r.case_id,
                    "caseNumber": titles[r.case_id].number if r.case_id in titles else None,
                    "organisationId": r.organisation_id,
                    "createdAt": _iso(r.created_at),
                    "endedAt": _iso(r.ended_at),
                }
                for r in rooms
            ],
            "total": total,
            "page": page,
            "perPage": per_page,
        }
    )
