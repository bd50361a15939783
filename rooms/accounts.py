"""Staff accounts: logging in, login sessions, password changes, disabling a user.

A login starts a server-side session (rooms.models.StaffSession); its id rides in
the access token as `sid`, and every REST request and socket connection checks
the row (check_session). Logout ends one session; a password change ends every
other session of the user; disabling a user ends all of them.

Password work goes through rooms.passwords.PasswordPool (threads, never the event
loop) and always outside a unit of work: the caller reads what it needs, ends the
read, hashes or checks, then runs the write (`do_...`, which never commits) as a
unit of work (rooms.transaction), so no transaction waits on Argon2.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.db import Database
from rooms.domain import DomainError, org_path
from rooms.models import StaffSession, User, utcnow
from rooms.password_rules import weak_password
from rooms.passwords import PasswordPool
from rooms.policy import Denied, Subject
from rooms.tokens import AccessToken, TokenError

# why a session ended (StaffSession.end_reason)
LOGOUT, PASSWORD_CHANGED, DISABLED = "logout", "password", "disabled"


def session_ended() -> TokenError:
    return TokenError(
        "session_ended", "登录已失效，请重新登录 / your session has ended: log in again"
    )


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def check_new_password(password: str, username: str = "") -> None:
    """May this be a password? (Asked before it is hashed: rooms.password_rules.)"""
    problem = weak_password(password, username=username)
    if problem is not None:
        raise DomainError("weak_password", problem)


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def check_login(passwords: PasswordPool, user: User | None, password: str) -> User:
    """`user` if `password` is theirs and they are active; one Argon2 run whether
    or not the user exists (None), so timing doesn't tell which usernames do."""
    ok = await passwords.check(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        raise DomainError("bad_credentials", "用户名或密码错误 / wrong username or password", 401)
    return user


async def authenticate(
    session: AsyncSession, passwords: PasswordPool, username: str, password: str
) -> User:
    """user_by_username, then check_login (scripts and tests; the REST login ends
    its read before the check)."""
    return await check_login(passwords, await user_by_username(session, username), password)


async def do_start_session(
    session: AsyncSession, user: User, *, ttl_s: float, ip: str | None = None
) -> StaffSession:
    """A new login session, audited as `login`."""
    row = StaffSession(user_id=user.id, expires_at=utcnow() + dt.timedelta(seconds=ttl_s), ip=ip)
    session.add(row)
    await session.flush()
    await do_append_audit(
        session,
        actor=user.id,
        action="login",
        target=f"user:{user.id}",
        ip=ip,
        detail={"session": row.id},
    )
    return row


async def check_session(session: AsyncSession, token: AccessToken) -> None:
    """Raise TokenError unless a staff token's login session is live and its user active."""
    if not token.needs_session:
        return
    if not token.sid:
        raise session_ended()
    row = (
        await session.execute(
            select(StaffSession.ended_at, StaffSession.expires_at, User.active)
            .join(User, User.id == StaffSession.user_id)
            .where(StaffSession.id == token.sid, StaffSession.user_id == token.sub)
        )
    ).one_or_none()
    if row is None or row.ended_at is not None or not row.active:
        raise session_ended()
    if _aware(row.expires_at) < utcnow():
        raise TokenError(
            "token_expired", "登录已过期，请重新登录 / your login expired: log in again"
        )


async def _end_sessions(
    session: AsyncSession, user_id: str, reason: str, keep: str | None = None
) -> int:
    """End a user's live sessions (but `keep`), in the caller's unit of work."""
    query = update(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep)
    result = await session.execute(query.values(ended_at=utcnow(), end_reason=reason))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def do_end_user_sessions(session: AsyncSession, user_id: str, reason: str) -> int:
    """End every live session of a user (an administrator set a new password, ...),
    in the caller's unit of work. Returns how many ended."""
    return await _end_sessions(session, user_id, reason)


async def do_end_session(session: AsyncSession, token: AccessToken, ip: str | None = None) -> None:
    """Logout: end the token's session, audited."""
    if token.sid is None:
        return
    result = await session.execute(
        update(StaffSession)
        .where(
            StaffSession.id == token.sid,
            StaffSession.user_id == token.sub,
            StaffSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow(), end_reason=LOGOUT)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        await do_append_audit(
            session,
            actor=token.sub,
            action="logout",
            target=f"user:{token.sub}",
            ip=ip,
            detail={"session": token.sid},
        )


async def do_set_password(
    session: AsyncSession,
    user_id: str,
    new_hash: str,
    *,
    checked_hash: str,
    keep_session: str | None = None,
    ip: str | None = None,
) -> int:
    """A password change, once the caller has checked the current password against
    `checked_hash` and hashed the new one (outside this unit of work). Every other
    session of the user ends; returns how many did. Refused (409) if the password
    changed in between."""
    user = await session.get(User, user_id, populate_existing=True)
    if user is None or user.password_hash != checked_hash:
        raise DomainError(
            "conflict", "密码刚被修改，请重试 / the password just changed: retry", 409
        )
    user.password_hash = new_hash
    user.must_change_password = False  # chosen by the user now
    ended = await _end_sessions(session, user.id, PASSWORD_CHANGED, keep=keep_session)
    await do_append_audit(
        session,
        actor=user.id,
        action="user.password",
        target=f"user:{user.id}",
        ip=ip,
        detail={"sessionsEnded": ended},
    )
    return ended


async def change_password(
    database: Database,
    passwords: PasswordPool,
    user_id: str,
    current: str,
    new: str,
    *,
    keep_session: str | None = None,
    ip: str | None = None,
) -> int:
    """Check the current password and hash the new one (on the pool, with no
    transaction open), then do_set_password as a unit of work."""
    async with database.session() as s:
        user = await s.get(User, user_id)
    if user is None or not await passwords.check(user.password_hash, current):
        raise DomainError("bad_credentials", "当前密码不正确 / wrong current password", 403)
    if new == current:
        raise DomainError("weak_password", "新密码不能与旧密码相同 / choose a new password")
    check_new_password(new, user.username)
    new_hash = await passwords.hash(new)
    checked = user.password_hash
    return await database.run(
        lambda u: do_set_password(
            u, user_id, new_hash, checked_hash=checked, keep_session=keep_session, ip=ip
        )
    )


async def access_user_by_id(
    session: AsyncSession, subject: Subject, user_id: str, action: str = policy.USER_MANAGE
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise DomainError("not_found", "用户不存在 / no such user", 404)
    try:
        policy.authorize(subject, action, org_path=await org_path(session, user.organisation_id))
    except Denied as exc:
        raise DomainError(exc.code, exc.message, 403) from None
    return user


async def do_set_user_active(
    session: AsyncSession, subject: Subject, user: User, active: bool, ip: str | None = None
) -> User:
    """Disable (every session of the user ends at once) or enable a user, audited."""
    if user.id == subject.id and not active:
        raise DomainError("bad_request", "不能停用自己的账户 / you cannot disable yourself")
    if user.active == active:
        return user
    user.active = active
    ended = 0 if active else await _end_sessions(session, user.id, DISABLED)
    await do_append_audit(
        session,
        actor=subject.id,
        action="user.enable" if active else "user.disable",
        target=f"user:{user.id}",
        ip=ip,
        detail={"sessionsEnded": ended},
    )
    return user
