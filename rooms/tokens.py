"""Access tokens: JWTs (HS256) signed with the install's secret.

One format for everybody: staff get one at login, parties get one inside an
invitation link. Claims:

  sub   subject id (user id for staff, participant/invitation id for parties)
  name  display name shown to others in the room
  role  one of ROLES
  room  room id the token opens (room roles: required; staff: a seat token that
        opens this one room for its holder, see rooms.policy)
  org   organisation id whose subtree the subject may see (staff)
  inv   invitation id (party tokens minted from an invitation)
  sid   staff session id (tokens issued at login): the token works only while
        that session is live (rooms/accounts.py); ended by logout, a password
        change or the user being disabled
  exp   expiry (seconds since epoch), iat issued-at, jti unique token id
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from rooms.errors import HubError

ALGORITHM = "HS256"
ISSUER = "mediation-hub"


class Role(StrEnum):
    """Who someone is in the hub (a token's `role`). Room roles (party, guest,
    observer) are invited people, scoped to the one room their invitation names:
    a guest (an expert called in) takes part as a party does; an observer watches
    and listens without publishing."""

    ADMIN = "admin"
    INTAKE = "intake"
    MEDIATOR = "mediator"
    REVIEWER = "reviewer"
    EVALUATOR = "evaluator"
    COMMAND = "command"
    PARTY = "party"
    GUEST = "guest"
    OBSERVER = "observer"


ADMIN, INTAKE, MEDIATOR, REVIEWER = Role.ADMIN, Role.INTAKE, Role.MEDIATOR, Role.REVIEWER
EVALUATOR, COMMAND = Role.EVALUATOR, Role.COMMAND
PARTY, GUEST, OBSERVER = Role.PARTY, Role.GUEST, Role.OBSERVER
ROOM_ROLES = (PARTY, GUEST, OBSERVER)
STAFF_ROLES = (ADMIN, INTAKE, MEDIATOR, REVIEWER, EVALUATOR, COMMAND)
ROLES = (*STAFF_ROLES, *ROOM_ROLES)
INVITATION_SUBJECT_PREFIX = "inv-"  # sub of a token minted from an invitation


def invited(role: str, subject: str) -> bool:
    """Did this participant come in through an invitation (any role, a CLI
    mediator included)? Invitees consent to recording themselves; only staff
    with their own login are "on duty"."""
    return role in ROOM_ROLES or subject.startswith(INVITATION_SUBJECT_PREFIX)


class TokenError(HubError):
    """A token that can't be used (401). `code` is machine-readable."""

    status = 401


@dataclass(frozen=True)
class AccessToken:
    sub: str
    name: str
    role: str
    exp: int
    room: str | None = None
    org: str | None = None
    inv: str | None = None
    sid: str | None = None
    iat: int = 0
    jti: str = ""

    @property
    def is_party(self) -> bool:
        return self.role == PARTY

    @property
    def room_scoped(self) -> bool:
        """Opens one room only: an invitation link, or a staff seat token."""
        return self.room is not None

    @property
    def invited(self) -> bool:
        """Came in through an invitation (consents as a party does)."""
        return self.inv is not None or invited(self.role, self.sub)

    @property
    def needs_session(self) -> bool:
        """Valid only with a live login session (rooms.accounts.check_session):
        every token that names one (login tokens, and the seat tokens minted from
        them), and every staff token that names no room and came from no
        invitation (without `sid` it is refused). Invitation tokens end with
        their invitation instead."""
        return self.sid is not None or (
            self.role in STAFF_ROLES and self.inv is None and self.room is None
        )


def issue(
    secret: bytes,
    *,
    sub: str,
    name: str,
    role: str,
    ttl_s: float,
    room: str | None = None,
    org: str | None = None,
    inv: str | None = None,
    sid: str | None = None,
    now: float | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role in ROOM_ROLES and not room:
        raise ValueError(f"a {role} token must name its room")
    now = time.time() if now is None else now
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": sub,
        "name": name,
        "role": role,
        "iat": int(now),
        "exp": int(now + ttl_s),
        "jti": secrets.token_urlsafe(12),
    }
    for key, value in (("room", room), ("org", org), ("inv", inv), ("sid", sid)):
        if value is not None:
            claims[key] = value
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret: bytes, token: object) -> AccessToken:
    """Decode and check a token; raise TokenError(code, message) when unusable."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise TokenError("token_missing", "缺少访问令牌 / access token missing")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "role", "iat"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token_expired", "链接已过期 / the link has expired") from None
    except jwt.PyJWTError:
        raise TokenError("token_invalid", "访问令牌无效 / invalid access token") from None
    role = claims.get("role")
    if role not in ROLES:
        raise TokenError("token_invalid", "访问令牌无效 / invalid access token")
    if role in ROOM_ROLES and not isinstance(claims.get("room"), str):
        raise TokenError("token_invalid", "访问令牌无效 / invalid access token")
    return AccessToken(
        sub=str(claims["sub"]),
        name=str(claims.get("name") or ""),
        role=role,
        exp=int(claims["exp"]),
        room=claims.get("room"),
        org=claims.get("org"),
        inv=claims.get("inv"),
        sid=claims.get("sid") if isinstance(claims.get("sid"), str) else None,
        iat=int(claims["iat"]),
        jti=str(claims.get("jti", "")),
    )
