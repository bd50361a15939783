"""Stored domain objects (SQLAlchemy 2 declarative). No media imports here.

Schema changes go through an Alembic migration in rooms/migrations/versions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Level(StrEnum):
    """Organisation levels of a city's mediation network (any depth works)."""

    CITY = "city"
    TOWNSHIP = "township"
    COMMUNITY = "community"


CITY, TOWNSHIP, COMMUNITY = Level.CITY, Level.TOWNSHIP, Level.COMMUNITY
LEVELS = tuple(Level)


class Organisation(Base):
    """A node of the tree: city justice bureau -> township (镇街) -> community (社区).

    `path` is the materialised path of ids ("/root/child/"), so a subtree is one
    prefix query and "is X inside Y" is a string test."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    path: Mapped[str] = mapped_column(String(1000), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Recording policy. None: as the parent organisation (at the root: the config).
    recording_required: Mapped[bool | None] = mapped_column(nullable=True)
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Parties wait in a lobby until a mediator admits them. None: as the parent
    # (at the root: the config, on by default).
    waiting_room: Mapped[bool | None] = mapped_column(nullable=True)
    # The mediation agreement's template (rooms.agreement_template keys); None: as
    # the parent (at the root: the built-in template).
    agreement_template: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class User(Base):
    """Staff. Roles are those of rooms.tokens.STAFF_ROLES; passwords are argon2 hashes."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # set when an administrator chose the password (first start, new user, reset): the
    # user must change it before doing anything else (signaling.api.routing refuses other calls)
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseStatus(StrEnum):
    """Case statuses; CASE_TRANSITIONS says which may follow which."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    MEDIATING = "mediating"
    AGREED = "agreed"
    FAILED = "failed"
    FOLLOW_UP = "follow-up"
    ARCHIVED = "archived"


RECEIVED, ACCEPTED, ASSIGNED, MEDIATING = (
    CaseStatus.RECEIVED,
    CaseStatus.ACCEPTED,
    CaseStatus.ASSIGNED,
    CaseStatus.MEDIATING,
)
AGREED, FAILED, FOLLOW_UP, ARCHIVED = (
    CaseStatus.AGREED,
    CaseStatus.FAILED,
    CaseStatus.FOLLOW_UP,
    CaseStatus.ARCHIVED,
)
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (ACCEPTED,),
    ACCEPTED: (ASSIGNED,),
    ASSIGNED: (MEDIATING,),
    MEDIATING: (AGREED, FAILED),
    AGREED: (FOLLOW_UP, ARCHIVED),
    FAILED: (FOLLOW_UP, ARCHIVED),
    FOLLOW_UP: (ARCHIVED,),
    ARCHIVED: (),
}


class Case(Base):
    __tablename__ = "cases"
    # the statistics screen counts cases by these (rooms.statistics)
    __table_args__ = (
        Index("ix_cases_org_status_severity", "organisation_id", "status", "severity"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    mediator_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=RECEIVED)
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # optimistic concurrency: a transition only applies to the version it read
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseTransition(Base):
    """Every status change of a case, with who and when."""

    __tablename__ = "case_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    by_user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("case_id", "from_status", "to_status", "at"),)


class RoomState(StrEnum):
    """A stored room's state: scheduled -> open -> live -> ended."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    LIVE = "live"
    ENDED = "ended"


ROOM_SCHEDULED, ROOM_OPEN = RoomState.SCHEDULED, RoomState.OPEN
ROOM_LIVE, ROOM_ENDED = RoomState.LIVE, RoomState.ENDED
ROOM_STATES = tuple(RoomState)


class Room(Base):
    """A mediation room: for a case, or an ad-hoc meeting of an organisation."""

    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=ROOM_OPEN)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Participant(Base):
    """One person's presence in a room (a row per join; left_at set on leave)."""

    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """Append-only, hash-chained: hash = H(prev_hash || canonical entry)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Invitation(Base):
    """One person's way into one room: a link (a token naming this row) or a
    6-digit code. Limited uses, expiry, revocable."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(6), index=True)
    # the short link /j/<short_code>: the token stays on the server
    short_code: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordingHold(Base):
    """A legal hold on one recording: while it exists the recording is not deleted,
    by retention or by hand. Recordings live on disk (recorder/); this row is the
    hold's who, when and why. Released holds are deleted (the audit log keeps them)."""

    __tablename__ = "recording_holds"

    recording_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    placed_by: Mapped[str] = mapped_column(String(32))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """One staff login. Its id rides in the access token (`sid`); the token works
    only while this row is live: not ended (logout, password change, user disabled)
    and not past `expires_at`. Rows are kept (ended) as the record of who was in."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # logout | password | disabled
    end_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)


class RecordingDeletion(Base):
    """A recording being deleted, or deleted. Files on disk can't share a
    transaction with the database, so a deletion goes: this row and the
    `recording.delete` audit entry committed together, then the files removed,
    then `done_at` set. A row without `done_at` at start-up is a deletion that was
    interrupted between the two: the hub finishes it (or reports it)."""

    __tablename__ = "recording_deletions"

    recording_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(1000))
    audit_seq: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# Camera sources: how the hub pulls a camera.
CAMERA_RTSP, CAMERA_GB28181 = "rtsp", "gb28181"
CAMERA_SOURCES = (CAMERA_RTSP, CAMERA_GB28181)


class Camera(Base):
    """A camera of the police video network an organisation may pull into rooms.

    Seen by staff whose subtree holds `organisation_id` (as cases are). The RTSP
    URL is stored without its userinfo; user name and password live in
    `credentials`, encrypted with the install's camera key (rooms.credentials),
    and are never returned by the API. `state`, `state_detail` and
    `last_frame_at` are the last state the live source reported (rooms.live_cameras)."""

    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16))  # CAMERA_SOURCES
    rtsp_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)  # no userinfo
    rtsp_transport: Mapped[str] = mapped_column(String(8), default="tcp")
    gb_device_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    gb_channel_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    credentials: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    state: Mapped[str] = mapped_column(String(32), default="idle")
    state_detail: Mapped[str] = mapped_column(String(500), default="")
    state_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_frame_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GbDeviceBinding(Base):
    """A GB/T 28181 device or lower platform allowed to register with our platform,
    bound to the organisation whose tree its catalogue appears under. Its digest
    password is encrypted like camera credentials (None: the platform's shared one)."""

    __tablename__ = "gb_devices"

    device_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    credentials: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoomCamera(Base):
    """A camera attached to a room (a row per attach; detached_at set on detach).
    `shared`: parties see it too (staff always do)."""

    __tablename__ = "room_cameras"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    attached_by: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    shared: Mapped[bool] = mapped_column(default=False)
    detached_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ChatMessage(Base):
    """A text message in a room's chat, kept with the case (audited on sending)."""

    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    participant_id: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoomMinutes(Base):
    """The minutes (笔录) a mediator keeps during a session: one text per room."""

    __tablename__ = "room_minutes"

    room_id: Mapped[str] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Agreement states: proposed (parties read and sign) -> sealed (PDF made, evidence
# sealed); a proposed agreement can be withdrawn (a new draft replaces it).
AGREEMENT_SIGNING, AGREEMENT_SEALED, AGREEMENT_WITHDRAWN = "signing", "sealed", "withdrawn"


class Agreement(Base):
    """A mediation agreement (调解协议书) drafted in a room: its text (content, as
    JSON, hashed), who must sign it, and once everyone signed the sealed PDF."""

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    organisation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=AGREEMENT_SIGNING)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # participants who must sign: [{subject, name, role}]
    signers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sealed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    evidence_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgreementSignature(Base):
    """One signer's finger signature (PNG) on one agreement's exact text."""

    __tablename__ = "agreement_signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    image: Mapped[bytes] = mapped_column(LargeBinary)
    image_sha256: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("agreement_id", "subject"),)


class Feedback(Base):
    """A party's satisfaction form (评价) after a session, kept with the case."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    rating: Mapped[int] = mapped_column(Integer)  # 1 (very unsatisfied) .. 5 (very satisfied)
    fair: Mapped[bool | None] = mapped_column(nullable=True)  # was the mediator fair?
    comment: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("room_id", "subject"),)


class Wall(Base):
    """A video wall of the command center: a named set of screens (physical
    monitors, each a kiosk browser at /wall/<id>/screen/<n>), owned by an
    organisation: it shows that organisation's subtree only. `version` counts its
    changes (screens and their tiles): every node's open screens follow it."""

    __tablename__ = "walls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # {"screen": n, "tile": t, "minLevel": "orange"}: a room with an alarm of at least
    # that level goes on that tile (command_center/alarms.py); None: no such rule
    alarm_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class WallScreen(Base):
    """One screen of a wall: its layout, what each tile shows (`tiles`: tile
    number -> content, see command_center/walls.py), the tile enlarged over the
    others, and the hash of its screen credential (None: revoked)."""

    __tablename__ = "wall_screens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    wall_id: Mapped[str] = mapped_column(ForeignKey("walls.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    layout: Mapped[str] = mapped_column(String(200))
    tiles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enlarged: Mapped[int | None] = mapped_column(Integer, nullable=True)
    credential_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credential_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    __table_args__ = (UniqueConstraint("wall_id", "number"),)


class WallPreset(Base):
    """A wall's saved arrangement (every screen's layout and tiles), applied in one go."""

    __tablename__ = "wall_presets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    wall_id: Mapped[str] = mapped_column(ForeignKey("walls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    screens: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("wall_id", "name"),)


class Alarm(Base):
    """Something the command center must see: a participant dropped, a room over its
    planned time, a recording failed, a camera offline, a party alone too long. Raised
    and cleared by the hub, acknowledged by an operator (audited); `key` tells two
    alarms of one kind in one room apart (the participant, the camera)."""

    __tablename__ = "alarms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    key: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acked_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    acked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Call(Base):
    """A call from the command center: a roll-call (点名) rings one office, whose
    standing room it opens; a meeting rings several offices into one room. Offices
    answer from their own page (audited); the answer gives the answering staff a seat
    in the call's room."""

    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))  # roll-call | meeting
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    answered: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # org id -> user id
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
