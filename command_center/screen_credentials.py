"""Screen credentials: how a wall screen (a kiosk browser) logs in once and stays in.

Each screen has a long-lived secret, shown once (by `mediation-hub wall create`, or
to an administrator who issues a new one) inside the screen's URL fragment:

    https://hub/wall/<wall-id>/screen/<n>#key=<secret>

The page keeps it (localStorage) and connects with the token
`screen:<wall-id>:<n>:<secret>`. Only its SHA-256 is stored (the secret is 256
random bits: a plain hash is enough); an administrator revokes it (the screen's
open pages are closed at once) or issues a new one, both audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center.walls import authorize
from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError, org_path
from rooms.errors import HubError
from rooms.models import Wall, WallScreen, utcnow
from rooms.policy import Subject

PREFIX = "screen"
SECRET_BYTES = 32


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def screen_token(wall_id: str, number: int, secret: str) -> str:
    return f"{PREFIX}:{wall_id}:{number}:{secret}"


def screen_url(base_url: str, wall_id: str, number: int, secret: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/wall/{wall_id}/screen/{number}"
    return f"{url}#key={secret}" if secret else url


def parse_screen_token(token: object) -> tuple[str, int, str] | None:
    """(wall id, screen number, secret) of a screen token, None if it is none."""
    if not isinstance(token, str) or len(token) > 200 or not token.startswith(PREFIX + ":"):
        return None
    parts = token.split(":")
    if len(parts) != 4 or not parts[2].isdigit() or len(parts[2]) > 3 or not parts[3]:
        return None
    return parts[1], int(parts[2]), parts[3]


class ScreenRefused(HubError):
    """A screen credential that opens nothing (401)."""

    status = 401


async def check_screen_credential(
    session: AsyncSession, wall_id: str, number: int, secret: str
) -> tuple[Wall, WallScreen, str]:
    """The wall, the screen and the wall's organisation path, if the secret is the
    screen's live credential; ScreenRefused otherwise (the same answer for a wrong
    wall, screen or secret)."""
    refused = ScreenRefused(
        "screen_credential_invalid", "屏幕凭证无效或已撤销 / invalid or revoked"
    )
    wall = await session.get(Wall, wall_id)
    if wall is None:
        raise refused
    screen = await session.scalar(
        select(WallScreen).where(WallScreen.wall_id == wall.id, WallScreen.number == number)
    )
    if screen is None or screen.credential_hash is None:
        raise refused
    if not hmac.compare_digest(screen.credential_hash, hash_secret(secret)):
        raise refused
    return wall, screen, await org_path(session, wall.organisation_id) or ""


async def do_issue_screen_credential(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    *,
    ip: str | None = None,
) -> str:
    """A new credential for a screen (the old one stops working); returns the secret."""
    authorize(subject, policy.WALL_CREDENTIAL, path)
    secret = new_secret()
    screen.credential_hash = hash_secret(secret)
    screen.credential_at = utcnow()
    await _audit(session, subject, wall, screen, "wall.credential.issue", ip)
    return secret


async def do_revoke_screen_credential(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    *,
    ip: str | None = None,
) -> None:
    authorize(subject, policy.WALL_CREDENTIAL, path)
    if screen.credential_hash is None:
        raise DomainError("conflict", "凭证已撤销 / already revoked", 409)
    screen.credential_hash = None
    screen.credential_at = utcnow()
    await _audit(session, subject, wall, screen, "wall.credential.revoke", ip)


async def _audit(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    screen: WallScreen,
    action: str,
    ip: str | None,
) -> None:
    wall.version = (wall.version or 0) + 1
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action=action,
        target=f"wall:{wall.id}",
        ip=ip,
        detail={"screen": screen.number},
    )


__all__ = [
    "ScreenRefused",
    "check_screen_credential",
    "do_issue_screen_credential",
    "do_revoke_screen_credential",
    "hash_secret",
    "new_secret",
    "parse_screen_token",
    "screen_token",
    "screen_url",
]
