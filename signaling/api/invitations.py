"""Invitations: invite someone into a room (room roles only), revoke (ending the
seats it opened), its QR code, and entering with a 6-digit code."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import domain, live_actions, policy
from rooms.domain import DomainError
from rooms.models import Invitation
from rooms.policy import Subject
from signaling.api import accounts
from signaling.api.routing import API, Ctx, Route, iso
from signaling.invitation_links import invitation_json, qr_png, short_link
from signaling.keys import DATABASE, LIVE_ROOMS, SERVER, TOKEN_SECRET
from signaling.models import Body, NoBody, NoQuery, Text16, Text50, Wire


class InvitationBody(Body):
    name: Text50
    role: Text16
    ttl_s: int = Field(domain.INVITATION_TTL_S, ge=60, le=domain.INVITATION_MAX_TTL_S)
    max_uses: int = Field(1, ge=1, le=20)


class InvitationOut(Wire):
    """An invitation as a page hands it on (signaling.invitation_links)."""

    id: str
    name: str
    role: str
    url: str  # the long link (the token in the URL)
    short_url: str | None  # /j/<short code>: the token stays on the server
    code: str  # the 6-digit code, with the person's name
    qr: str  # address of the QR code (of the short link)
    wechat_text: str  # a ready message to paste into WeChat
    expires_at: str | None
    revoked_at: str | None
    uses: int
    max_uses: int


class RevokedOut(Wire):
    id: str
    revoked_at: str | None


class JoinCodeBody(Body):
    code: str = Field(min_length=1, max_length=6)
    name: Text50


class JoinCodeOut(Wire):
    url: str


def invitation_link(app: web.Application, invitation: Invitation) -> str:
    token = domain.invitation_token(app[TOKEN_SECRET], invitation)
    return f"{app[SERVER].base_url}/join/{token}"


async def create_invitation(ctx: Ctx[InvitationBody, NoQuery]) -> InvitationOut:
    body = ctx.body
    room = await domain.access_room_by_id(
        ctx.session, ctx.who, ctx.param("room_id"), policy.INVITE_CREATE
    )
    invitation = await domain.do_create_invitation(
        ctx.session,
        room,
        inviter=ctx.who,
        name=body.name,
        role=body.role,
        ttl_s=body.ttl_s,
        max_uses=body.max_uses,
        ip=ctx.ip,
    )
    # links, code, QR address and a ready WeChat text (signaling.invitation_links)
    return InvitationOut.model_validate(invitation_json(ctx.app, invitation, room))


async def _invitation(s: AsyncSession, who: Subject, invitation_id: str, action: str) -> Invitation:
    invitation = await s.get(Invitation, invitation_id)
    if invitation is None:
        raise DomainError("not_found", "邀请不存在 / no such invitation", 404)
    await domain.access_room_by_id(s, who, invitation.room_id, action)
    return invitation


async def revoke_invitation(ctx: Ctx[NoBody, NoQuery]) -> RevokedOut:
    who = ctx.who
    invitation = await _invitation(
        ctx.session, who, ctx.param("invitation_id"), policy.INVITE_REVOKE
    )
    await ctx.session.commit()  # ends the read; the revocation is its own unit of work

    async def revoke(tx: AsyncSession) -> Invitation:
        fresh = await tx.get(Invitation, invitation.id)
        assert fresh is not None
        await domain.do_revoke_invitation(tx, fresh, actor=who.id, ip=ctx.ip)
        return fresh

    invitation = await ctx.app[DATABASE].run(revoke)
    # after the commit: nobody can enter with it now; end the seats it opened
    await live_actions.end_invitation_seats(
        ctx.app[DATABASE], ctx.app[LIVE_ROOMS], invitation, actor=who.id
    )
    return RevokedOut(id=invitation.id, revoked_at=iso(invitation.revoked_at))


async def invitation_qr(ctx: Ctx[NoBody, NoQuery]) -> web.Response:
    invitation = await _invitation(
        ctx.session, ctx.who, ctx.param("invitation_id"), policy.INVITE_CREATE
    )
    link = short_link(ctx.app, invitation) or invitation_link(ctx.app, invitation)
    return web.Response(
        body=qr_png(link), content_type="image/png", headers={"Cache-Control": "no-store"}
    )


async def join_by_code(ctx: Ctx[JoinCodeBody, NoQuery]) -> JoinCodeOut:
    code, name = ctx.body.code, ctx.body.name
    await accounts.code_attempt_allowed(ctx, code)
    try:
        if not code.isdigit() or len(code) != 6:
            raise DomainError("bad_code", "邀请码为 6 位数字 / the code has 6 digits", 400)
        invitation = await domain.find_invitation_by_code(ctx.session, code, name)
    except DomainError:
        await accounts.code_attempt_failed(ctx, code)
        raise
    return JoinCodeOut(url=invitation_link(ctx.app, invitation))


ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    Route(
        "POST",
        f"{API}/join-code",
        "凭邀请码和姓名进入 / enter with code and name",
        join_by_code,
        JoinCodeOut,
        body=JoinCodeBody,
        public=True,
    ),
    Route(
        "POST",
        f"{API}/rooms/{{room_id}}/invitations",
        "邀请当事人 / invite someone",
        create_invitation,
        InvitationOut,
        body=InvitationBody,
        status=201,
        unit=True,
    ),
    Route(
        "POST",
        f"{API}/invitations/{{invitation_id}}/revoke",
        "撤销邀请 / revoke",
        revoke_invitation,
        RevokedOut,
    ),
    Route(
        "GET",
        f"{API}/invitations/{{invitation_id}}/qr.png",
        "邀请二维码 / invitation QR",
        invitation_qr,
        None,
        media_type="image/png",
    ),
)
