"""Access tokens: JWTs (HS256) signed with the install's secret.

One format for everybody: staff get one at login, parties get one inside an
invitation link. Claims:

  sub   subject id (user id for staff, participant/invitation id for parties)
  name  display name shown to others in the room
  role  one of ROLES
  room  room id the token opens (parties: required; staff: optional)
  org   organisation id whose subtree the subject may see (staff)
  inv   invitation id (party tokens minted from an invitation)
  sid   staff session id (tokens issued at login): the token works only while
        that session is live (rooms/sessions.py); ended by logout, a password
        change or the user being disabled
  exp   expiry (seconds since epoch), iat issued-at, jti unique token id
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "mediation-hub"

PARTY = "party"
MEDIATOR = "mediator"
ADMIN = "admin"
INTAKE = "intake"
REVIEWER = "reviewer"
EVALUATOR = "evaluator"
COMMAND = "command"
ROLES = (ADMIN, INTAKE, MEDIATOR, REVIEWER, EVALUATOR, COMMAND, PARTY)
STAFF_ROLES = tuple(r for r in ROLES if r != PARTY)


class TokenError(Exception):
    """A token that can't be used. `code` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
    def needs_session(self) -> bool:
        """A staff token not bound to one room: it came from a login and is valid
        only with that login's live session (without `sid` it is refused). Tokens
        naming one room come from invitations and end with the invitation."""
        return self.role != PARTY and self.inv is None and self.room is None


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
    if role == PARTY and not room:
        raise ValueError("a party token must name its room")
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
    if role == PARTY and not isinstance(claims.get("room"), str):
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
