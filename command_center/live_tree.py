"""The operator console's live tree: organisation -> case rooms (state, case,
severity, who is in) and the organisation's registry cameras, for the viewer's
subtree only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import policy
from rooms.live_room import LiveRooms
from rooms.models import ROOM_ENDED, Camera, Case, Organisation, Room
from rooms.policy import Denied, Subject

MAX_ROOMS = 500
MAX_CAMERAS = 500


async def live_tree(session: AsyncSession, subject: Subject, live: LiveRooms) -> dict[str, Any]:
    """Organisations of the subject's subtree, each with its rooms that haven't
    ended (live ones first) and, for rooms live on this node, who is in them."""
    policy.authorize(subject, policy.ROOM_WATCH)
    prefix = subject.org_path or "\0"
    orgs = (
        await session.execute(
            select(Organisation)
            .where(Organisation.path.startswith(prefix))
            .order_by(Organisation.path)
        )
    ).scalars()
    rows = await session.execute(
        select(Room, Case, Organisation.path)
        .join(Organisation, Organisation.id == Room.organisation_id)
        .outerjoin(Case, Case.id == Room.case_id)
        .where(Organisation.path.startswith(prefix), Room.state != ROOM_ENDED)
        .order_by(Room.created_at.desc())
        .limit(MAX_ROOMS)
    )
    rooms_by_org: dict[str, list[dict[str, Any]]] = {}
    for room, case, _ in rows.all():
        rooms_by_org.setdefault(str(room.organisation_id), []).append(_room(room, case, live))
    for entries in rooms_by_org.values():
        entries.sort(key=lambda r: (not r["live"], r["name"]))
    cameras_by_org: dict[str, list[dict[str, Any]]] = {}
    if _may(subject, policy.CAMERA_VIEW, subject.org_path):
        found = await session.execute(
            select(Camera)
            .join(Organisation, Organisation.id == Camera.organisation_id)
            .where(Organisation.path.startswith(prefix))
            .order_by(Camera.name)
            .limit(MAX_CAMERAS)
        )
        for camera in found.scalars():
            cameras_by_org.setdefault(camera.organisation_id, []).append(
                {
                    "id": camera.id,
                    "name": camera.name,
                    "location": camera.location,
                    "state": camera.state,
                }
            )
    unowned: list[dict[str, Any]] = []
    if _may(
        subject, policy.ROOM_WATCH, policy.UNOWNED
    ):  # ad-hoc rooms (outside the tree): city administrators
        adhoc = await session.execute(
            select(Room).where(Room.organisation_id.is_(None), Room.state != ROOM_ENDED).limit(100)
        )
        unowned = [_room(r, None, live) for r in adhoc.scalars()]
    return {
        "organisations": [
            {
                "id": org.id,
                "name": org.name,
                "level": org.level,
                "parentId": org.parent_id,
                "rooms": rooms_by_org.get(org.id, []),
                "cameras": cameras_by_org.get(org.id, []),
            }
            for org in orgs
        ],
        "unowned": unowned,
    }


def _may(subject: Subject, action: str, org_path: str | None) -> bool:
    try:
        policy.authorize(subject, action, org_path=org_path)
    except Denied:
        return False
    return True


def _room(room: Room, case: Case | None, live: LiveRooms) -> dict[str, Any]:
    here = live.get(room.id)
    people = [] if here is None or here.closed else here.participants
    return {
        "id": room.id,
        "name": room.name,
        "state": room.state,
        "live": bool(people),
        "caseId": case.id if case else None,
        "caseTitle": case.title if case else None,
        "caseNumber": case.number if case else None,
        "severity": case.severity if case else None,
        "participants": [
            {
                "id": p.id,
                "name": p.name,
                "role": p.role,
                "connected": p.connected,
                "media": sorted(x.kind for x in p.producers if not x.closed),
            }
            for p in people
        ],
    }


__all__ = ["live_tree"]
