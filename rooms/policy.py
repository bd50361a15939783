"""Who may do what, in one place. Used by the REST API and by signaling alike.

    authorize(subject, action, org_path=..., room_id=...)   # raises Denied

Staff act inside their organisation's subtree only (org_path prefix); command
staff watch but don't edit; a room-scoped subject (a party, guest or observer
from an invitation, or a staff member's seat token) acts in the one room its
token names. Resources outside the tree (ad-hoc rooms and their recordings:
org_path=UNOWNED) are for administrators of the city root only.
ROLE_ACTIONS is the table the authorisation-matrix test is written against;
INVITABLE says which roles an invitation from whom may carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rooms.errors import HubError
from rooms.tokens import (
    ADMIN,
    COMMAND,
    EVALUATOR,
    GUEST,
    INTAKE,
    MEDIATOR,
    OBSERVER,
    PARTY,
    REVIEWER,
    ROOM_ROLES,
    STAFF_ROLES,
    AccessToken,
)


class Action(StrEnum):
    """What one may be allowed to do (the values pages see in `permissions`)."""

    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    USER_MANAGE = "user.manage"
    CASE_VIEW = "case.view"
    CASE_CREATE = "case.create"
    CASE_TRANSITION = "case.transition"
    ROOM_CREATE = "room.create"
    ROOM_END = "room.end"
    ROOM_JOIN = "room.join"
    ROOM_MODERATE = "room.moderate"  # mute, remove, record consent, start/stop recording
    ROOM_WATCH = "room.watch"
    ROOM_PUBLISH = "room.publish"  # send one's camera, microphone or screen into the room
    INVITE_CREATE = "invitation.create"
    INVITE_REVOKE = "invitation.revoke"
    RECORDING_VIEW = "recording.view"
    RECORDING_EXPORT = "recording.export"
    RECORDING_HOLD = "recording.hold"
    RECORDING_DELETE = "recording.delete"
    AUDIT_VIEW = "audit.view"
    # cameras: see the registry, keep it (admins), put one into a room and share it,
    # steer it (PTZ), take evidence from it (snapshot, clip)
    CAMERA_VIEW = "camera.view"
    CAMERA_MANAGE = "camera.manage"
    CAMERA_ATTACH = "camera.attach"
    CAMERA_CONTROL = "camera.control"
    CAMERA_CAPTURE = "camera.capture"
    # the command center: walls (view, change what they show), screen credentials
    WALL_VIEW = "wall.view"
    WALL_MANAGE = "wall.manage"
    WALL_CREDENTIAL = "wall.credential"
    ALARM_VIEW = "alarm.view"
    ALARM_ACK = "alarm.ack"
    # talk to a room from the command center: listen in on it, speak into it (barge-in),
    # ring an office's standing room (roll-call), hold a meeting of several offices
    ROOM_LISTEN = "room.listen"
    ROOM_BARGE = "room.barge"
    ROLL_CALL = "room.roll-call"
    # the statistics screen (/dashboard): counts of my subtree, no names
    STATS_VIEW = "stats.view"


ORG_VIEW, ORG_MANAGE, USER_MANAGE = Action.ORG_VIEW, Action.ORG_MANAGE, Action.USER_MANAGE
CASE_VIEW, CASE_CREATE = Action.CASE_VIEW, Action.CASE_CREATE
CASE_TRANSITION, ROOM_CREATE = Action.CASE_TRANSITION, Action.ROOM_CREATE
ROOM_END, ROOM_JOIN, ROOM_MODERATE = Action.ROOM_END, Action.ROOM_JOIN, Action.ROOM_MODERATE
ROOM_WATCH, ROOM_PUBLISH = Action.ROOM_WATCH, Action.ROOM_PUBLISH
INVITE_CREATE, INVITE_REVOKE = Action.INVITE_CREATE, Action.INVITE_REVOKE
RECORDING_VIEW, RECORDING_EXPORT = Action.RECORDING_VIEW, Action.RECORDING_EXPORT
RECORDING_HOLD, RECORDING_DELETE = Action.RECORDING_HOLD, Action.RECORDING_DELETE
AUDIT_VIEW = Action.AUDIT_VIEW
CAMERA_VIEW, CAMERA_MANAGE = Action.CAMERA_VIEW, Action.CAMERA_MANAGE
CAMERA_ATTACH, CAMERA_CONTROL = Action.CAMERA_ATTACH, Action.CAMERA_CONTROL
CAMERA_CAPTURE = Action.CAMERA_CAPTURE
WALL_VIEW, WALL_MANAGE = Action.WALL_VIEW, Action.WALL_MANAGE
WALL_CREDENTIAL, ALARM_VIEW, ALARM_ACK = Action.WALL_CREDENTIAL, Action.ALARM_VIEW, Action.ALARM_ACK
ROOM_LISTEN, ROOM_BARGE, ROLL_CALL = Action.ROOM_LISTEN, Action.ROOM_BARGE, Action.ROLL_CALL
STATS_VIEW = Action.STATS_VIEW

ONE_ROOM = "此链接只能进入指定的调解室 / this link opens one room only"

# org_path of a resource outside the organisation tree (an ad-hoc room made with
# `mediation-hub invite`, its recordings)
UNOWNED = "\0unowned"

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(
        {
            ORG_VIEW,
            ORG_MANAGE,
            USER_MANAGE,
            CASE_VIEW,
            CASE_CREATE,
            CASE_TRANSITION,
            ROOM_CREATE,
            ROOM_END,
            ROOM_JOIN,
            ROOM_MODERATE,
            ROOM_WATCH,
            ROOM_PUBLISH,
            INVITE_CREATE,
            INVITE_REVOKE,
            RECORDING_VIEW,
            RECORDING_EXPORT,
            RECORDING_HOLD,
            RECORDING_DELETE,
            AUDIT_VIEW,
            CAMERA_VIEW,
            CAMERA_MANAGE,
            CAMERA_ATTACH,
            CAMERA_CONTROL,
            CAMERA_CAPTURE,
            WALL_VIEW,
            WALL_MANAGE,
            WALL_CREDENTIAL,
            ALARM_VIEW,
            ALARM_ACK,
            ROOM_LISTEN,
            ROOM_BARGE,
            ROLL_CALL,
            STATS_VIEW,
        }
    ),
    INTAKE: frozenset({ORG_VIEW, CASE_VIEW, CASE_CREATE, CASE_TRANSITION}),
    MEDIATOR: frozenset(
        {
            ORG_VIEW,
            CASE_VIEW,
            CASE_CREATE,
            CASE_TRANSITION,
            ROOM_CREATE,
            ROOM_END,
            ROOM_JOIN,
            ROOM_MODERATE,
            ROOM_PUBLISH,
            INVITE_CREATE,
            INVITE_REVOKE,
            RECORDING_VIEW,
            RECORDING_EXPORT,
            CAMERA_VIEW,
            CAMERA_ATTACH,
            CAMERA_CONTROL,
            CAMERA_CAPTURE,
        }
    ),
    REVIEWER: frozenset(
        {ORG_VIEW, CASE_VIEW, CASE_TRANSITION, RECORDING_VIEW, RECORDING_HOLD, STATS_VIEW}
    ),
    EVALUATOR: frozenset({ORG_VIEW, CASE_VIEW, RECORDING_VIEW}),
    # command staff may speak into a room they joined (barge-in)
    COMMAND: frozenset(
        {
            ORG_VIEW,
            CASE_VIEW,
            ROOM_WATCH,
            ROOM_JOIN,
            ROOM_PUBLISH,
            CAMERA_VIEW,
            CAMERA_ATTACH,
            CAMERA_CONTROL,
            WALL_VIEW,
            WALL_MANAGE,
            ALARM_VIEW,
            ALARM_ACK,
            ROOM_LISTEN,
            ROOM_BARGE,
            ROLL_CALL,
            STATS_VIEW,
        }
    ),
    PARTY: frozenset({ROOM_JOIN, ROOM_PUBLISH}),
    GUEST: frozenset({ROOM_JOIN, ROOM_PUBLISH}),
    OBSERVER: frozenset({ROOM_JOIN}),  # watches and listens only
}

# Who may invite whom: staff invite people into a room as parties, and experts as
# guests or observers; nobody grants a staff role through an invitation (staff
# enter with their own login). `mediation-hub invite` (the operator on the
# server, inviter None) may also make a room's mediator: a mediator of that one
# room only (its token has no organisation; see Subject.room).
INVITABLE: dict[str, frozenset[str]] = {
    ADMIN: frozenset(ROOM_ROLES),
    MEDIATOR: frozenset(ROOM_ROLES),
}
OPERATOR_INVITABLE = frozenset({*ROOM_ROLES, MEDIATOR})


class Denied(HubError):
    """Not allowed (403)."""

    status = 403


@dataclass(frozen=True)
class Subject:
    """Who is asking: from an access token, with the organisation's path resolved."""

    id: str
    name: str
    role: str
    org_path: str | None = None  # staff: "/city/township/"
    room: str | None = None  # room-scoped: the one room (invitations, seat tokens)

    @classmethod
    def from_token(cls, token: AccessToken, org_path: str | None) -> Subject:
        return cls(
            id=token.sub,
            name=token.name,
            role=token.role,
            org_path=None if token.room_scoped else org_path,
            room=token.room,
        )

    @property
    def root_admin(self) -> bool:
        """An administrator of the city root (the whole tree)."""
        return self.role == ADMIN and self.room is None and _depth(self.org_path) == 1


def _depth(path: str | None) -> int:
    return len([part for part in (path or "").split("/") if part])


def in_subtree(subject_path: str | None, resource_path: str | None) -> bool:
    return bool(subject_path and resource_path and resource_path.startswith(subject_path))


def authorize(
    subject: Subject, action: str, *, org_path: str | None = None, room_id: str | None = None
) -> None:
    """Raise Denied unless `subject` may do `action` on a resource of the
    organisation at `org_path` (and, for room actions, the room `room_id`)."""
    if action not in ROLE_ACTIONS.get(subject.role, frozenset()):
        raise Denied("forbidden", "无权执行此操作 / not allowed for your role")
    if subject.room is not None or subject.role in ROOM_ROLES:
        if room_id is None or room_id != subject.room:
            raise Denied("forbidden", ONE_ROOM)
        return
    if org_path == UNOWNED:
        if not subject.root_admin:
            raise Denied("forbidden", "仅市级管理员可访问 / city administrators only")
        return
    if org_path is not None and not in_subtree(subject.org_path, org_path):
        raise Denied("forbidden", "不在您的辖区内 / outside your organisation")


def authorize_invitation(inviter: Subject | None, role: str) -> None:
    """Raise Denied unless `inviter` (None: the operator's CLI) may put `role` on
    an invitation. Whether the inviter may invite into the room at all is
    INVITE_CREATE, checked separately."""
    grantable = OPERATOR_INVITABLE if inviter is None else INVITABLE.get(inviter.role, frozenset())
    if role not in grantable:
        raise Denied(
            "role_not_grantable",
            f"邀请只能授予 {'/'.join(sorted(grantable)) or '（无）'} 角色"
            f" / an invitation from you may carry only: {', '.join(sorted(grantable)) or 'none'}",
        )


def allowed(subject: Subject, action: str, **resource: str | None) -> bool:
    try:
        authorize(subject, action, **resource)
    except Denied:
        return False
    return True


# What pages ask: the actions a page offers, so it shows only the controls that will work.
# In a room one has joined (admission checked the room and the organisation already):
IN_ROOM_ACTIONS = (ROOM_MODERATE, ROOM_END, CAMERA_ATTACH, CAMERA_CONTROL, CAMERA_CAPTURE)
# On a case one may see:
CASE_ACTIONS = (CASE_TRANSITION, ROOM_CREATE, INVITE_CREATE, RECORDING_VIEW)


def may_in_room(role: str, action: str) -> bool:
    """May a participant with `role`, inside a room it joined, do `action`?"""
    return action in ROLE_ACTIONS.get(role, frozenset())


def may_remove(target_role: str) -> bool:
    """May a moderator remove a participant with `target_role`? Not another moderator."""
    return not may_in_room(target_role, ROOM_MODERATE)


def room_permissions(role: str) -> list[str]:
    """The in-room actions of a role (the `permissions` of the signaling `join` answer)."""
    return [action for action in IN_ROOM_ACTIONS if may_in_room(role, action)]


def case_permissions(subject: Subject, case_org_path: str | None) -> list[str]:
    """What `subject` may do on a case of the organisation at `case_org_path`."""
    return [a for a in CASE_ACTIONS if allowed(subject, a, org_path=case_org_path)]


def grantable_roles(subject: Subject) -> list[str]:
    """The staff roles `subject` may give someone (on a user of its subtree): those that
    can do nothing `subject` can't. Nobody grants a role they don't hold."""
    if USER_MANAGE not in ROLE_ACTIONS.get(subject.role, frozenset()):
        return []
    mine = ROLE_ACTIONS[subject.role]
    return [role for role in STAFF_ROLES if ROLE_ACTIONS[role] <= mine]
