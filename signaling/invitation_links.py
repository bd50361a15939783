"""How an invitation is handed to a person: its short link (/j/<code>: the token
stays on the server), a QR code of that link made to scan from a screen (a low
version in the compact alphanumeric mode, big modules), and a ready text to paste
into WeChat (Chinese, with the 6-digit code as a fallback)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import segno
from aiohttp import web

from rooms import domain
from rooms.models import Invitation, Room
from signaling.keys import SERVER, TOKEN_SECRET

QR_SCALE = 8  # pixels per module
QR_BORDER = 4  # the quiet zone, in modules


def base_url(app: web.Application) -> str:
    return app[SERVER].base_url


def long_link(app: web.Application, invitation: Invitation) -> str:
    return f"{base_url(app)}/join/{domain.invitation_token(app[TOKEN_SECRET], invitation)}"


def short_link(app: web.Application, invitation: Invitation) -> str | None:
    if not invitation.short_code:
        return None
    return f"{base_url(app)}/j/{invitation.short_code}"


def qr_png(url: str) -> bytes:
    """A QR code of `url`: upper-cased (scheme and host are case-blind and /J/ is
    served as /j/), so it fits the alphanumeric mode: version 2-3 for a short link."""
    text = url.upper() if _alphanumeric(url.upper()) else url
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer, kind="png", scale=QR_SCALE, border=QR_BORDER
    )
    return buffer.getvalue()


def _alphanumeric(text: str) -> bool:
    return all(c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:" for c in text)


def _local(at: dt.datetime) -> str:
    """China Standard Time, as people there read it."""
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    cst = at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return f"{cst.month}月{cst.day}日 {cst.hour:02d}:{cst.minute:02d}"


def wechat_text(invitation: Invitation, room: Room, link: str, base: str) -> str:
    """The message a mediator pastes into WeChat (or an SMS)."""
    return (
        f"【人民调解】{invitation.name}您好：邀请您参加视频调解（{room.name}）。"
        f"请用手机点开链接进入：{link} "
        f"如链接打不开，请在浏览器打开 {base}/join ，输入邀请码 {invitation.code} 和您的姓名。"
        f"链接有效期至 {_local(invitation.expires_at)}，仅限本人使用，请勿转发。"
    )


def invitation_json(app: web.Application, invitation: Invitation, room: Room) -> dict[str, Any]:
    """What a page shows for an invitation: links, code, QR address, WeChat text."""
    short = short_link(app, invitation)
    expires = invitation.expires_at
    return {
        "id": invitation.id,
        "name": invitation.name,
        "role": invitation.role,
        "url": long_link(app, invitation),
        "shortUrl": short,
        "code": invitation.code,
        "qr": f"/api/v1/invitations/{invitation.id}/qr.png",
        "wechatText": wechat_text(
            invitation, room, short or long_link(app, invitation), base_url(app)
        ),
        "expiresAt": (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)).isoformat(),
        "revokedAt": invitation.revoked_at.isoformat() if invitation.revoked_at else None,
        "uses": invitation.uses,
        "maxUses": invitation.max_uses,
    }
