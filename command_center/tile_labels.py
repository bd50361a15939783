"""What a tile says about its source (stored facts): the room's case title and
number, organisation, severity and state; a participant's name. Read in one
query per kind for all the tiles of a screen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center.screen_view import source_key
from rooms.models import Case, Organisation, Participant, Room


async def tile_labels(
    session: AsyncSession, sources: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """source_key -> label, for rooms and participants (cameras label themselves)."""
    room_ids = {str(s["roomId"]) for s in sources if s.get("roomId")}
    labels: dict[str, dict[str, Any]] = {}
    if not room_ids:
        return labels
    rows = await session.execute(
        select(Room, Case, Organisation)
        .outerjoin(Case, Case.id == Room.case_id)
        .outerjoin(Organisation, Organisation.id == Room.organisation_id)
        .where(Room.id.in_(room_ids))
    )
    rooms: dict[str, dict[str, Any]] = {}
    for room, case, org in rows.all():
        rooms[room.id] = {
            "roomId": room.id,
            "roomName": room.name,
            "roomState": room.state,
            "caseId": case.id if case else None,
            "caseTitle": case.title if case else room.name,
            "caseNumber": case.number if case else None,
            "severity": case.severity if case else None,
            "organisation": org.name if org else None,
        }
    participant_ids = {str(s["participantId"]) for s in sources if s.get("participantId")}
    names: dict[str, str] = {}
    if participant_ids:
        found = await session.execute(
            select(Participant.id, Participant.display_name).where(
                Participant.id.in_(participant_ids)
            )
        )
        names = dict(found.tuples().all())
    for source in sources:
        known = rooms.get(str(source.get("roomId")))
        if known is None:
            continue
        label = dict(known)
        if source.get("kind") == "participant":
            label["participantName"] = names.get(str(source.get("participantId")))
        labels[source_key(source)] = label
    return labels


__all__ = ["tile_labels"]
