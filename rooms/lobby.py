"""The waiting room: parties wait in a lobby until a mediator admits them.

An organisation setting (inherited down the tree, at the root from the
configuration: on by default) says whether its case rooms have one. The lobby
itself is live state on the node that serves the room: who waits (by token
subject), who was admitted (they come back without waiting again: a reload, a
reconnect). Admitting and turning away are audited.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import access_organisation_by_id
from rooms.models import Organisation
from rooms.policy import Subject


@dataclass
class WaitingEntry:
    id: str
    subject: str
    name: str
    role: str
    sid: str  # the socket that waits
    since: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "since": self.since}


class Lobby:
    """One room's waiting parties and the subjects admitted so far."""

    def __init__(self) -> None:
        self.waiting: dict[str, WaitingEntry] = {}
        self.admitted: set[str] = set()

    def wait(self, *, subject: str, name: str, role: str, sid: str) -> WaitingEntry:
        """Put someone in the lobby; the same subject again (a reload, another
        device) keeps its place and moves to the new socket."""
        for entry in self.waiting.values():
            if entry.subject == subject:
                entry.sid = sid
                entry.name = name
                return entry
        entry = WaitingEntry(uuid.uuid4().hex, subject, name, role, sid)
        self.waiting[entry.id] = entry
        return entry

    def leave(self, entry_id: str) -> WaitingEntry | None:
        return self.waiting.pop(entry_id, None)

    def by_sid(self, sid: str) -> WaitingEntry | None:
        return next((e for e in self.waiting.values() if e.sid == sid), None)

    def admit(self, entry_id: str) -> WaitingEntry | None:
        entry = self.waiting.pop(entry_id, None)
        if entry is not None:
            self.admitted.add(entry.subject)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in sorted(self.waiting.values(), key=lambda e: e.since)]


class Lobbies:
    """This node's lobbies, by stored room id."""

    def __init__(self) -> None:
        self._lobbies: dict[str, Lobby] = {}

    def get(self, room_id: str) -> Lobby:
        return self._lobbies.setdefault(room_id, Lobby())

    def find(self, room_id: str) -> Lobby | None:
        return self._lobbies.get(room_id)

    def forget(self, room_id: str) -> Lobby | None:
        return self._lobbies.pop(room_id, None)


async def effective_waiting_room(session: AsyncSession, org_id: str | None, default: bool) -> bool:
    """Does this organisation's case rooms have a waiting room? The nearest
    ancestor that says wins; else `default` (the configuration)."""
    if not org_id:
        return default
    path = await session.scalar(select(Organisation.path).where(Organisation.id == org_id))
    if not path:
        return default
    ancestors = [a for a in path.split("/") if a]
    rows = await session.execute(
        select(Organisation.id, Organisation.waiting_room).where(Organisation.id.in_(ancestors))
    )
    settings = {row[0]: row[1] for row in rows}
    value = default
    for ancestor in ancestors:  # root first: the nearest setting wins
        if settings.get(ancestor) is not None:
            value = bool(settings[ancestor])
    return value


async def do_set_waiting_room(
    session: AsyncSession,
    subject: Subject,
    org_id: str,
    waiting_room: bool | None,
    ip: str | None = None,
) -> Organisation:
    """Set (or, with None, inherit) an organisation's waiting-room setting."""
    org = await access_organisation_by_id(session, subject, org_id, policy.ORG_MANAGE)
    org.waiting_room = waiting_room
    await do_append_audit(
        session,
        actor=subject.id,
        action="org.waiting_room",
        target=f"org:{org.id}",
        ip=ip,
        detail={"waitingRoom": waiting_room},
    )
    return org


async def do_record_admission(
    session: AsyncSession,
    room_id: str,
    entry: WaitingEntry,
    *,
    admitted: bool,
    by: str,
) -> None:
    """A mediator admitted someone from the lobby, or turned them away."""
    await do_append_audit(
        session,
        actor=by,
        action="participant.admit" if admitted else "participant.turn_away",
        target=f"room:{room_id}",
        detail={"subject": entry.subject, "name": entry.name, "role": entry.role},
    )
