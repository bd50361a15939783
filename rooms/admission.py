"""Admission: may this token enter this room, and entering it. A live module.

    ticket = await admit(database, live_rooms, token, room_id=..., consent=...)
    ...  # the adapter tells a device whose seat this takes over (ticket.participant_id)
    room, participant, resumed = await enter(live_rooms, ticket)

`admit` is one unit of work and changes no live room, so a refused join opens no
Router: the stored room exists and has not ended; the token may join it
(rooms.policy: ROOM_JOIN, one room for a room-scoped token); an invitation is
valid, and uses up a use on its subject's first entry (a reload or reconnect
doesn't count again); where the organisation's policy requires recording, an
invitee enters only having accepted the notice (now, or before in this live
room). A participant new to the stored room is added to it (audited).

`must_wait` comes first for parties: where the room's organisation keeps a
waiting room (rooms.lobby), an invitee of a case room not admitted yet waits
there until a mediator admits them (what `admit` would refuse of the invitation
is refused before anyone waits for nothing).

`enter` opens the live room and seats the participant: a subject already seated
is taken over (reconnect, another device); a consent given with the join is
recorded. Recording control (recorder.control) hears the events and starts a
required recording once everyone present consented.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from rooms import actions, domain, policy
from rooms.db import Database
from rooms.domain import DomainError
from rooms.errors import RoomEnded, RoomNotFound
from rooms.live_events import ConsentMethod
from rooms.live_room import LiveParticipant, LiveRoom, LiveRooms, RoomFacts
from rooms.lobby import Lobbies, effective_waiting_room
from rooms.models import ROOM_ENDED, Invitation, Room
from rooms.recording_policy import effective_policy
from rooms.settings import RoomsSettings
from rooms.tokens import ROOM_ROLES, AccessToken

CONSENT_REQUIRED = (
    "本次调解依规定全程录音录像，同意后方可进入"  # Chinese first
    " / this session must be recorded: accept the notice to join"
)


@dataclass(frozen=True)
class Ticket:
    """An admitted token's way into one live room (valid for one `enter`)."""

    facts: RoomFacts
    state: str  # the stored room's state
    participant_id: str
    token: AccessToken
    consent: bool  # accepted the recording notice with this join


async def recording_required(session: AsyncSession, settings: RoomsSettings, stored: Room) -> bool:
    """Does the organisation's policy require recording this room? (case rooms only)"""
    if not stored.case_id:
        return False
    rules = await effective_policy(
        session,
        stored.organisation_id,
        default_required=settings.recording_required,
        default_retention_days=settings.retention_days,
    )
    return rules.required


async def admit(
    database: Database,
    live_rooms: LiveRooms,
    token: AccessToken,
    *,
    room_id: str | None,
    consent: bool,
) -> Ticket:
    """Decide whether `token` may enter (see the module docstring); a HubError
    (DomainError, Denied) names why not."""
    if token.room_scoped and room_id not in (None, token.room):
        raise policy.Denied("forbidden", policy.ONE_ROOM)
    target = token.room or room_id
    if not target:
        raise DomainError("bad_request", "字段 room 无效 / field room must be a string")
    live = live_rooms.get(target)
    seated = live.by_subject(token.sub) if live is not None else None
    consented_before = live is not None and live.has_consented(token.sub)

    async def unit(session: AsyncSession) -> Ticket:
        stored = await actions.get_room(session, target)
        if stored is None:
            raise RoomNotFound()
        if stored.state == ROOM_ENDED:
            raise RoomEnded()
        subject = policy.Subject.from_token(token, await domain.org_path(session, token.org))
        room_path = await domain.org_path(session, stored.organisation_id)
        policy.authorize(
            subject, policy.ROOM_JOIN, org_path=room_path or policy.UNOWNED, room_id=stored.id
        )
        required = await recording_required(session, live_rooms.settings, stored)
        if required and token.invited and not consent and not consented_before:
            raise DomainError("consent_required", CONSENT_REQUIRED, 403)
        if token.room_scoped and token.inv:
            await _check_invitation(session, token, stored.id)
        participant_id = seated.id if seated is not None else None
        if participant_id is None:
            row = await actions.do_add_participant(
                session,
                stored,
                subject=token.sub,
                display_name=token.name,
                role=token.role,
                invitation=token.inv,
            )
            participant_id = row.id
        facts = RoomFacts(
            id=stored.id,
            name=stored.name,
            case_id=stored.case_id,
            organisation_id=stored.organisation_id,
            recording_required=required,
        )
        return Ticket(facts, stored.state, participant_id, token, consent)

    return await database.run(unit)


async def _check_invitation(session: AsyncSession, token: AccessToken, room_id: str) -> None:
    invitation = await session.get(Invitation, token.inv)
    if invitation is None or invitation.room_id != room_id:
        raise DomainError("token_invalid", "邀请无效 / invalid invitation", 401)
    if invitation.revoked_at is not None:
        raise DomainError("invitation_revoked", "邀请已被撤销 / invitation revoked", 403)
    if not await actions.has_joined(session, room_id, token.sub):
        await domain.do_redeem_invitation(session, invitation.id)


async def must_wait(
    database: Database, live_rooms: LiveRooms, lobbies: Lobbies, token: AccessToken
) -> Room | None:
    """The stored room this token's holder must wait for in its lobby, or None:
    an invitee (party, guest, observer) of a case room whose organisation keeps a
    waiting room, neither admitted before nor back after a reload or reconnect."""
    if token.role not in ROOM_ROLES or not token.room_scoped or not token.room:
        return None
    live = live_rooms.get(token.room)
    if live is not None and not live.closed and live.by_subject(token.sub) is not None:
        return None
    lobby = lobbies.find(token.room)
    if lobby is not None and token.sub in lobby.admitted:
        return None
    async with database.session() as session:
        stored = await actions.get_room(session, token.room)
        if stored is None or stored.state == ROOM_ENDED or not stored.case_id:
            return None  # `admit` says why not, or there is no lobby
        if not await effective_waiting_room(
            session, stored.organisation_id, live_rooms.settings.waiting_room
        ):
            return None
        if token.inv:
            invitation = await session.get(Invitation, token.inv)
            if invitation is None or invitation.room_id != stored.id:
                raise DomainError("token_invalid", "邀请无效 / invalid invitation", 401)
            if invitation.revoked_at is not None:
                raise DomainError("invitation_revoked", "邀请已被撤销 / invitation revoked", 403)
            if invitation.uses >= invitation.max_uses and not await actions.has_joined(
                session, stored.id, token.sub
            ):
                raise DomainError("invitation_used", "邀请已被使用 / invitation already used", 403)
    return stored


async def enter(live_rooms: LiveRooms, ticket: Ticket) -> tuple[LiveRoom, LiveParticipant, bool]:
    """Seat the admitted participant in the live room (opened if it isn't)."""
    room = await live_rooms.open(ticket.facts)
    token = ticket.token
    participant, resumed = await room.join(
        subject=token.sub, name=token.name, role=token.role, participant_id=ticket.participant_id
    )
    if ticket.consent:
        await room.record_consent(participant, method=ConsentMethod.PAGE)
    return room, participant, resumed


__all__ = ["Ticket", "admit", "enter", "must_wait", "recording_required"]
