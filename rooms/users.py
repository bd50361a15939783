"""Staff users as an administrator keeps them: change a user's name, role,
organisation, password or whether it may log in (do_update_user, one unit of work
with its audit entries). Roles only as rooms.policy.grantable_roles allows; an
organisation only inside the editor's subtree; nobody demotes, moves or disables
themselves (that is how the last administrator locks everyone out). A password an
administrator sets must be changed by its user at the next login
(account_refusal says so to every request and socket until then).

Loading a user: rooms.accounts.access_user_by_id. Disabling ends every session of
the user (rooms.accounts.do_set_user_active)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import accounts, policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError, access_organisation_by_id
from rooms.models import User
from rooms.policy import Subject

ACCOUNT_DISABLED = ("account_disabled", "账户已停用 / this account is disabled")
PASSWORD_CHANGE_REQUIRED = (
    "password_change_required",
    "请先修改管理员设置的密码 / change the password an administrator set before going on",
)
PASSWORD_SET = "password-set"  # why the user's sessions ended (StaffSession.end_reason)


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


def check_grantable(subject: Subject, role: str) -> None:
    if role not in policy.grantable_roles(subject):
        raise DomainError(
            "role_not_grantable", "您不能授予此角色 / you may not grant this role", 403
        )


@dataclass(frozen=True)
class UserChanges:
    """What to change (None: leave as is). `password_hash`: a new password, checked
    (rooms.accounts.check_new_password) and hashed by the caller before the unit."""

    name: str | None = None
    role: str | None = None
    organisation_id: str | None = None
    active: bool | None = None
    password_hash: str | None = None


async def do_update_user(
    session: AsyncSession,
    subject: Subject,
    user: User,
    changes: UserChanges,
    *,
    ip: str | None = None,
) -> User:
    """Apply `changes` to `user`, each kind audited (user.update, user.disable /
    user.enable, user.password.set) in the caller's unit of work."""
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
        )
    if changes.active is not None:
        await accounts.do_set_user_active(session, subject, user, changes.active, ip=ip)
    if changes.password_hash is not None:
        user.password_hash = changes.password_hash
        # someone else now knows it: the user chooses their own at the next login, and
        # whoever was logged in with the old one is logged out
        user.must_change_password = not self_edit
        ended = (
            0 if self_edit else await accounts.do_end_user_sessions(session, user.id, PASSWORD_SET)
        )
        await do_append_audit(
            session,
            actor=subject.id,
            action="user.password.set",
            target=f"user:{user.id}",
            ip=ip,
            detail={"sessionsEnded": ended},
        )
    await session.flush()
    return user
