"""Writes and protected reads of the domain: organisations, users, cases,
case rooms, invitations. Writes are do_<verb>_<noun>: each appends its audit
entry and never commits (the caller's unit of work does, rooms.transaction);
protected objects load through access_<noun>_by_id(subject, id), which applies
rooms.policy."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.errors import HubError, RoomEnded, RoomNotFound
from rooms.models import (
    ASSIGNED,
    CASE_TRANSITIONS,
    LEVELS,
    RECEIVED,
    ROOM_ENDED,
    ROOM_OPEN,
    Case,
    CaseTransition,
    Invitation,
    Organisation,
    Room,
    User,
    utcnow,
)
from rooms.policy import Denied, Subject
from rooms.tokens import INVITATION_SUBJECT_PREFIX, ROLES, STAFF_ROLES, issue


class DomainError(HubError):
    """A request the domain refuses (400 unless said otherwise)."""


# -- organisations ----------------------------------------------------------------------
async def do_create_organisation(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    level: str,
    parent: Organisation | None,
    actor: str,
    ip: str | None = None,
) -> Organisation:
    if level not in LEVELS:
        raise DomainError("bad_request", f"级别无效 / level must be one of {LEVELS}")
    if await session.scalar(select(Organisation).where(Organisation.code == code)):
        raise DomainError("conflict", f"机构代码已存在 / code {code} exists", 409)
    org = Organisation(code=code, name=name, level=level, parent_id=parent.id if parent else None)
    org.id = secrets.token_hex(16)
    org.path = (parent.path if parent else "/") + org.id + "/"
    session.add(org)
    await session.flush()
    await do_append_audit(session, actor=actor, action="org.create", target=f"org:{org.id}", ip=ip)
    return org


async def org_path(session: AsyncSession, org_id: str | None) -> str | None:
    if not org_id:
        return None
    return await session.scalar(select(Organisation.path).where(Organisation.id == org_id))


async def list_organisations(session: AsyncSession, subject: Subject) -> list[Organisation]:
    policy.authorize(subject, policy.ORG_VIEW)
    rows = await session.execute(
        select(Organisation)
        .where(Organisation.path.startswith(subject.org_path or "\0"))
        .order_by(Organisation.path)
    )
    return list(rows.scalars())


async def access_organisation_by_id(
    session: AsyncSession, subject: Subject, org_id: str, action: str = policy.ORG_VIEW
) -> Organisation:
    org = await session.get(Organisation, org_id)
    if org is None:
        raise DomainError("not_found", "机构不存在 / no such organisation", 404)
    _authorize(subject, action, org_path=org.path)
    return org


def _authorize(subject: Subject, action: str, **resource: Any) -> None:
    try:
        policy.authorize(subject, action, **resource)
    except Denied as exc:
        raise DomainError(exc.code, exc.message, 403) from None


# -- users --------------------------------------------------------------------------------
async def do_create_user(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    role: str,
    organisation: Organisation,
    password_hash: str,
    actor: str,
    ip: str | None = None,
    must_change_password: bool = False,
) -> User:
    """A staff user. The password is hashed by the caller before the unit of work
    (Argon2 on rooms.passwords.PasswordPool: never on the event loop, never while
    the unit holds the database's write lock); rooms.accounts.check_new_password
    says whether a password may be used. `must_change_password`: someone else chose
    it (an administrator, the first start), so the user changes it at first login."""
    if role not in STAFF_ROLES:
        raise DomainError("bad_request", f"角色无效 / role must be one of {STAFF_ROLES}")
    if await session.scalar(select(User).where(User.username == username)):
        raise DomainError("conflict", f"用户名已存在 / username {username} exists", 409)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        organisation_id=organisation.id,
        password_hash=password_hash,
        must_change_password=must_change_password,
    )
    session.add(user)
    await session.flush()
    await do_append_audit(
        session, actor=actor, action="user.create", target=f"user:{user.id}", ip=ip
    )
    return user


async def list_users(session: AsyncSession, subject: Subject) -> list[User]:
    _authorize(subject, policy.USER_MANAGE)
    rows = await session.execute(
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.path.startswith(subject.org_path or "\0"))
        .order_by(Organisation.path, User.username)
    )
    return list(rows.scalars())


# -- cases ----------------------------------------------------------------------------------
async def do_create_case(
    session: AsyncSession,
    subject: Subject,
    *,
    organisation: Organisation,
    type: str,
    title: str,
    severity: str,
    parties: list[dict[str, str]],
    mediator_id: str | None = None,
    severity_levels: tuple[str, ...] | list[str] | None = None,
    ip: str | None = None,
) -> Case:
    _authorize(subject, policy.CASE_CREATE, org_path=organisation.path)
    if severity_levels is not None and severity not in severity_levels:
        raise DomainError(
            "bad_request", f"等级须为 {'/'.join(severity_levels)} / severity must be one of them"
        )
    year = utcnow().year
    count = await session.scalar(select(func.count()).select_from(Case)) or 0
    case = Case(
        number=f"{organisation.code}-{year}-{count + 1:05d}-{secrets.token_hex(2)}",
        type=type,
        title=title,
        organisation_id=organisation.id,
        mediator_id=mediator_id,
        severity=severity,
        status=RECEIVED,
        parties=parties,
    )
    session.add(case)
    await session.flush()
    await do_append_audit(
        session, actor=subject.id, action="case.create", target=f"case:{case.id}", ip=ip
    )
    return case


async def access_case_by_id(
    session: AsyncSession, subject: Subject, case_id: str, action: str = policy.CASE_VIEW
) -> tuple[Case, str]:
    """The case and its organisation's path, if `subject` may do `action` on it."""
    case = await session.get(Case, case_id)
    if case is None:
        raise DomainError("not_found", "案件不存在 / no such case", 404)
    path = await org_path(session, case.organisation_id)
    _authorize(subject, action, org_path=path)
    return case, path or ""


def allowed_transitions(subject: Subject, case: Case, case_org_path: str) -> list[str]:
    """The statuses `subject` may move this case to now (none without the right)."""
    if not policy.allowed(subject, policy.CASE_TRANSITION, org_path=case_org_path):
        return []
    return list(CASE_TRANSITIONS.get(case.status, ()))


async def do_transition_case(
    session: AsyncSession, subject: Subject, case: Case, to_status: str, ip: str | None = None
) -> Case:
    """Move a case along CASE_TRANSITIONS. Two concurrent transitions: one wins,
    the other gets `conflict` (compare-and-set on the case's version)."""
    allowed = CASE_TRANSITIONS.get(case.status, ())
    if to_status not in allowed:
        raise DomainError(
            "invalid_transition",
            f"案件不能从 {case.status} 转为 {to_status} / "
            f"a {case.status} case can move to: {', '.join(allowed) or 'nothing'}",
            409,
        )
    if to_status == ASSIGNED and not case.mediator_id:
        raise DomainError(
            "mediator_required",
            "请先指派调解员，再转为已指派 / assign a mediator before moving the case to assigned",
            409,
        )
    from_status, version = case.status, case.version
    result = await session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == version, Case.status == from_status)
        .values(status=to_status, version=version + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("conflict", "案件已被他人修改，请刷新 / the case changed; reload", 409)
    session.add(
        CaseTransition(
            case_id=case.id, from_status=from_status, to_status=to_status, by_user_id=subject.id
        )
    )
    await do_append_audit(
        session,
        actor=subject.id,
        action="case.transition",
        target=f"case:{case.id}",
        ip=ip,
        detail={"from": from_status, "to": to_status},
    )
    await session.refresh(case)
    return case


async def case_history(session: AsyncSession, case: Case) -> list[CaseTransition]:
    rows = await session.execute(
        select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.id)
    )
    return list(rows.scalars())


# -- rooms and invitations ------------------------------------------------------------------
async def do_create_case_room(
    session: AsyncSession, subject: Subject, case: Case, case_org_path: str, ip: str | None = None
) -> Room:
    _authorize(subject, policy.ROOM_CREATE, org_path=case_org_path)
    count = await session.scalar(select(func.count()).where(Room.case_id == case.id)) or 0
    room = Room(
        name=f"{case.title[:150]} ({case.number} #{count + 1})",
        state=ROOM_OPEN,
        case_id=case.id,
        organisation_id=case.organisation_id,
    )
    session.add(room)
    await session.flush()
    await do_append_audit(
        session, actor=subject.id, action="room.create", target=f"room:{room.id}", ip=ip
    )
    return room


async def access_room_by_id(
    session: AsyncSession, subject: Subject, room_id: str, action: str
) -> Room:
    room = await session.get(Room, room_id)
    if room is None:
        raise RoomNotFound()
    path = await org_path(session, room.organisation_id)
    _authorize(subject, action, org_path=path or policy.UNOWNED, room_id=room.id)
    return room


# An invitation link lives 2 hours unless asked otherwise, 7 days at most.
INVITATION_TTL_S = 2 * 3600
INVITATION_MAX_TTL_S = 7 * 86400


async def do_create_invitation(
    session: AsyncSession,
    room: Room,
    *,
    inviter: Subject | None,
    name: str,
    role: str,
    ttl_s: float,
    max_uses: int = 1,
    ip: str | None = None,
) -> Invitation:
    """An invitation into `room` for one person. `inviter` None is the operator
    on the server (`mediation-hub invite`); the roles anyone may grant are in
    rooms.policy.authorize_invitation."""
    if role not in ROLES:
        raise DomainError("bad_request", "角色无效 / unknown role")
    _authorize_invitation(inviter, role)
    if room.state == ROOM_ENDED:
        raise RoomEnded()
    invitation = Invitation(
        room_id=room.id,
        name=name,
        role=role,
        code=f"{secrets.randbelow(10**6):06d}",
        short_code=await _new_short_code(session),
        max_uses=max_uses,
        uses=0,
        expires_at=utcnow() + dt.timedelta(seconds=ttl_s),
        created_by=inviter.id if inviter else "cli",
    )
    session.add(invitation)
    await session.flush()
    await do_append_audit(
        session,
        actor=invitation.created_by or "cli",
        action="invitation.create",
        target=f"invitation:{invitation.id}",
        ip=ip,
        detail={"room": room.id, "role": role, "maxUses": max_uses},
    )
    return invitation


# Short links /j/<code>: 10 characters from 31 that can't be mistaken for one another
# (no 0/O, 1/I/L): about 49 bits, and upper case, so a QR code of the link can use
# its compact alphanumeric mode.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 10


async def _new_short_code(session: AsyncSession) -> str:
    for _ in range(5):
        code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
        if await session.scalar(select(Invitation.id).where(Invitation.short_code == code)) is None:
            return code
    raise DomainError("internal", "无法生成短链接 / no free short code", 500)


async def find_invitation_by_short_code(session: AsyncSession, code: str) -> Invitation:
    """The invitation behind a short link (/j/<code>), if it can still be used to
    come in: not revoked, not expired, its room not ended."""
    code = code.strip().upper()
    invitation = None
    if len(code) == SHORT_CODE_LENGTH and all(c in SHORT_CODE_ALPHABET for c in code):
        invitation = await session.scalar(select(Invitation).where(Invitation.short_code == code))
    if invitation is None:
        raise DomainError("token_invalid", "链接无效 / invalid link", 404)
    if invitation.revoked_at is not None:
        raise DomainError("invitation_revoked", "邀请已被撤销 / invitation revoked", 403)
    expires = invitation.expires_at
    if (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) < utcnow():
        raise DomainError("token_expired", "链接已过期 / the link has expired", 410)
    return invitation


def _authorize_invitation(inviter: Subject | None, role: str) -> None:
    try:
        policy.authorize_invitation(inviter, role)
    except Denied as exc:
        raise DomainError(exc.code, exc.message, 403) from None


def invitation_subject(invitation_id: str) -> str:
    """The token subject of everyone who enters with this invitation."""
    return f"{INVITATION_SUBJECT_PREFIX}{invitation_id}"


def invitation_token(secret: bytes, invitation: Invitation) -> str:
    """The access token inside an invitation link: names the room and the invitation;
    every link for one invitation has the same subject."""
    expires = invitation.expires_at
    expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
    return issue(
        secret,
        sub=invitation_subject(invitation.id),
        name=invitation.name,
        role=invitation.role,
        room=invitation.room_id,
        inv=invitation.id,
        ttl_s=max((expires - utcnow()).total_seconds(), 1),
    )


async def do_redeem_invitation(session: AsyncSession, invitation_id: str) -> Invitation:
    """Use up one use of an invitation (at join). Refuses used, revoked, expired
    invitations and ended rooms; concurrent joins can't overspend it."""
    invitation = await session.get(Invitation, invitation_id, populate_existing=True)
    if invitation is None:
        raise DomainError("token_invalid", "邀请无效 / invalid invitation", 401)
    if invitation.revoked_at is not None:
        raise DomainError("invitation_revoked", "邀请已被撤销 / invitation revoked", 403)
    expires = invitation.expires_at
    if (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) < utcnow():
        raise DomainError("token_expired", "链接已过期 / the link has expired", 410)
    room = await session.get(Room, invitation.room_id, populate_existing=True)
    if room is None or room.state == ROOM_ENDED:
        raise RoomEnded()
    result = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.uses < Invitation.max_uses)
        .values(uses=Invitation.uses + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("invitation_used", "邀请已被使用 / invitation already used", 403)
    return invitation


async def do_revoke_invitation(
    session: AsyncSession, invitation: Invitation, *, actor: str, ip: str | None = None
) -> bool:
    """Revoke (once; False if it was already revoked). Joining with it is refused
    from now on; the caller ends the seats it opened (signaling)."""
    if invitation.revoked_at is not None:
        return False
    invitation.revoked_at = utcnow()
    await do_append_audit(
        session,
        actor=actor,
        action="invitation.revoke",
        target=f"invitation:{invitation.id}",
        ip=ip,
        detail={"room": invitation.room_id},
    )
    return True


async def do_ensure_root_organisation(session: AsyncSession, actor: str = "system") -> Organisation:
    """The tree's root, created (to be renamed by an admin) on a fresh install."""
    root = await session.scalar(select(Organisation).where(Organisation.parent_id.is_(None)))
    if root is None:
        root = await do_create_organisation(
            session,
            code="000000",
            name="司法局（请在管理页修改）",
            level=LEVELS[0],
            parent=None,
            actor=actor,
        )
    return root


async def do_bootstrap_admin(
    session: AsyncSession, password: str, password_hash: str
) -> tuple[str, str] | None:
    """On a fresh install: a root organisation and an `admin` with a one-time
    `password` (hashed by the caller, outside the unit of work: rooms.passwords),
    returned once as (username, password) for printing. None when users exist."""
    if await session.scalar(select(User.id).limit(1)) is not None:
        return None
    root = await do_ensure_root_organisation(session)
    await do_create_user(
        session,
        username="admin",
        display_name="系统管理员",
        role="admin",
        organisation=root,
        password_hash=password_hash,
        actor="system",
        must_change_password=True,
    )
    return "admin", password


async def find_invitation_by_code(session: AsyncSession, code: str, name: str) -> Invitation:
    """A party typing the 6-digit code and their name instead of opening the link.
    The name must match the invited name (identity confirmation)."""
    candidates = (
        await session.execute(
            select(Invitation).where(Invitation.code == code, Invitation.revoked_at.is_(None))
        )
    ).scalars()
    now = utcnow()
    for invitation in candidates:
        expires = invitation.expires_at
        if (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) < now:
            continue
        if invitation.name.strip() == name.strip():
            return invitation
    raise DomainError("bad_code", "邀请码或姓名不正确 / wrong code or name", 403)


async def list_mediators(session: AsyncSession, subject: Subject) -> list[User]:
    """Mediators a case of my subtree can be assigned to."""
    _authorize(subject, policy.CASE_VIEW)
    rows = await session.execute(
        select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.path.startswith(subject.org_path or "\0"))
        .where(User.role == "mediator", User.active.is_(True))
        .order_by(User.display_name)
    )
    return list(rows.scalars())


async def do_assign_case(
    session: AsyncSession, subject: Subject, case: Case, case_org_path: str, mediator_id: str
) -> Case:
    """Assign a mediator of the case's own subtree (or above it in the tree)."""
    _authorize(subject, policy.CASE_TRANSITION, org_path=case_org_path)
    mediator = await session.get(User, mediator_id)
    mediator_path = await org_path(session, mediator.organisation_id) if mediator else None
    if (
        mediator is None
        or mediator.role != "mediator"
        or not mediator_path
        or not (case_org_path.startswith(mediator_path) or mediator_path.startswith(case_org_path))
    ):
        raise DomainError(
            "bad_request", "只能指派本辖区的调解员 / not a mediator of this case's area"
        )
    case.mediator_id = mediator.id
    case.updated_at = utcnow()
    await do_append_audit(
        session,
        actor=subject.id,
        action="case.assign",
        target=f"case:{case.id}",
        detail={"mediator": mediator.id},
    )
    return case
