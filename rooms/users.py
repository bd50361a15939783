"""Staff users as an administrator keeps them: load one (access_user_by_id), change
its name, role, organisation, password or whether it may log in (do_update_user,
one audited transaction). Roles only as rooms.policy.grantable_roles allows; an
organisation only inside the editor's subtree; nobody demotes, moves or disables
themselves (that is how the last administrator locks everyone out). A password an
administrator sets must be changed by its user at the next login."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError, access_organisation_by_id, org_path
from rooms.models import User
from rooms.password_rules import weak_password
from rooms.passwords import hash_password
from rooms.policy import Denied, Subject

ACCOUNT_DISABLED = ("account_disabled", "账户已停用 / this account is disabled")
PASSWORD_CHANGE_REQUIRED = (
    "password_change_required",
    "请先修改管理员设置的密码 / change the password an administrator set before going on",
)


async def account_refusal(session: AsyncSession, user_id: str) -> tuple[str, str] | None:
    """Why a staff user's token may not be used now (code, message): the user is gone
    or disabled, or must change a password an administrator set; None when usable."""
    row = (
        await session.execute(
            select(User.active, User.must_change_password).where(User.id == user_id)
        )
    ).one_or_none()
    if row is None or not row.active:
        return ACCOUNT_DISABLED
    if row.must_change_password:
        return PASSWORD_CHANGE_REQUIRED
    return None


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


def check_grantable(subject: Subject, role: str) -> None:
    if role not in policy.grantable_roles(subject):
        raise DomainError(
            "role_not_grantable",
            "您不能授予此角色 / you may not grant this role",
            403,
        )


@dataclass(frozen=True)
class UserChanges:
    """What to change (None: leave as is)."""

    name: str | None = None
    role: str | None = None
    organisation_id: str | None = None
    active: bool | None = None
    password: str | None = None


async def do_update_user(
    session: AsyncSession,
    subject: Subject,
    user: User,
    changes: UserChanges,
    *,
    ip: str | None = None,
) -> User:
    """Apply `changes` to `user`, each kind audited (user.update, user.disable /
    user.enable, user.password.set), all in one transaction."""
    check_grantable(subject, user.role)  # nobody edits a user more powerful than they are
    self_edit = user.id == subject.id
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if changes.name is not None and changes.name.strip() != user.display_name:
        name = changes.name.strip()
        if not name:
            raise DomainError("bad_request", "姓名不能为空 / the name can't be empty")
        before["name"], after["name"] = user.display_name, name
        user.display_name = name
    if changes.role is not None and changes.role != user.role:
        if self_edit:
            raise DomainError("bad_request", "不能修改自己的角色 / you can't change your own role")
        check_grantable(subject, changes.role)
        before["role"], after["role"] = user.role, changes.role
        user.role = changes.role
    if changes.organisation_id is not None and changes.organisation_id != user.organisation_id:
        if self_edit:
            raise DomainError("bad_request", "不能调动自己的所属机构 / you can't move yourself")
        org = await access_organisation_by_id(
            session, subject, changes.organisation_id, policy.USER_MANAGE
        )
        before["organisationId"], after["organisationId"] = user.organisation_id, org.id
        user.organisation_id = org.id
    if after:
        await do_append_audit(
            session,
            actor=subject.id,
            action="user.update",
            target=f"user:{user.id}",
            ip=ip,
            detail={"before": before, "after": after},
            commit=False,
        )
    if changes.active is not None and changes.active != user.active:
        if self_edit:
            raise DomainError("bad_request", "不能停用自己的账户 / you cannot disable yourself")
        user.active = changes.active
        await do_append_audit(
            session,
            actor=subject.id,
            action="user.enable" if changes.active else "user.disable",
            target=f"user:{user.id}",
            ip=ip,
            commit=False,
        )
    if changes.password is not None:
        problem = weak_password(changes.password, username=user.username)
        if problem is not None:
            raise DomainError("weak_password", problem)
        # Argon2 is slow on purpose: off the event loop that forwards media
        user.password_hash = await asyncio.to_thread(hash_password, changes.password)
        # someone else now knows it: the user chooses their own at the next login
        user.must_change_password = not self_edit
        await do_append_audit(
            session,
            actor=subject.id,
            action="user.password.set",
            target=f"user:{user.id}",
            ip=ip,
            commit=False,
        )
    await session.commit()
    return user
