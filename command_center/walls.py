"""Walls and their screens, stored: create, lay out, put a source on a tile, swap,
enlarge, clear, tours on a tile or a screen. Writes are do_<verb>_<noun>, each with
its audit entry in the caller's unit of work (rooms.transaction); walls load only
through access_wall_by_id, which applies rooms.policy.

What a tile shows is stored as JSON in WallScreen.tiles (tile number -> content):

    {"kind": "room", "roomId": R}                       a live room: its participants' video
    {"kind": "participant", "roomId": R, "participantId": P}    one person of a room
    {"kind": "camera", "cameraId": C}                   a camera (needs the camera registry)
    {"kind": "tour", "items": [room|camera ...], "dwellS": 10, "startedAt": t, "pausedAt": null}

and under the key "tour", a tour of the whole screen (page by page through its tiles).
A wall belongs to an organisation and shows rooms of that organisation's subtree
only: putting another subtree's room on it is refused, whoever asks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center.layouts import LayoutError, parse_layout
from command_center.tours import Tour, TourError, make_tour, pause, resume
from rooms import policy
from rooms.audit import do_append_audit
from rooms.cameras import camera_org_path
from rooms.domain import DomainError, org_path
from rooms.models import (
    Organisation,
    Participant,
    Room,
    Wall,
    WallPreset,
    WallScreen,
    utcnow,
)
from rooms.policy import Denied, Subject

MAX_SCREENS = 16
ROOM, PARTICIPANT, CAMERA, TOUR = "room", "participant", "camera", "tour"
SOURCE_KINDS = (ROOM, PARTICIPANT, CAMERA)
SCREEN_TOUR = "tour"  # key of a whole-screen tour in WallScreen.tiles

# A camera's organisation path by its id, or None when no such camera: given by the
# camera registry where it exists (cameras are another package's); without one,
# camera tiles are refused.
CameraLookup = Callable[[AsyncSession, str], Any]


def _deny(exc: Denied) -> DomainError:
    return DomainError(exc.code, exc.message, 403)


def authorize(subject: Subject, action: str, path: str | None) -> None:
    try:
        policy.authorize(subject, action, org_path=path)
    except Denied as exc:
        raise _deny(exc) from None


async def _bump(session: AsyncSession, wall: Wall) -> None:
    wall.version = (wall.version or 0) + 1
    await session.flush()


async def _audit(
    session: AsyncSession,
    wall: Wall,
    actor: str,
    action: str,
    detail: dict[str, Any],
    ip: str | None,
) -> None:
    await _bump(session, wall)
    await do_append_audit(
        session, actor=actor, action=action, target=f"wall:{wall.id}", ip=ip, detail=detail
    )


# -- walls ------------------------------------------------------------------------------
async def do_create_wall(
    session: AsyncSession,
    subject: Subject,
    *,
    name: str,
    organisation: Organisation,
    screens: int,
    layout: str,
    credential_hashes: list[str],
    ip: str | None = None,
) -> tuple[Wall, list[WallScreen]]:
    """A wall of `screens` screens, each laid out as `layout`, each with a screen
    credential (hashes made by the caller: command_center.screen_credentials)."""
    authorize(subject, policy.WALL_MANAGE, organisation.path)
    if not 1 <= screens <= MAX_SCREENS:
        raise DomainError("bad_request", f"屏幕数须为 1-{MAX_SCREENS} / 1-{MAX_SCREENS} screens")
    _layout(layout)
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError("bad_request", "名称须为 1-100 个字符 / the name is 1-100 characters")
    wall = Wall(name=name, organisation_id=organisation.id, created_by=subject.id, version=1)
    session.add(wall)
    await session.flush()
    rows = []
    for number in range(1, screens + 1):
        row = WallScreen(
            wall_id=wall.id,
            number=number,
            layout=layout,
            tiles={},
            credential_hash=credential_hashes[number - 1],
            credential_at=utcnow(),
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action="wall.create",
        target=f"wall:{wall.id}",
        ip=ip,
        detail={"name": name, "screens": screens, "layout": layout, "org": organisation.id},
    )
    return wall, rows


def _layout(spec: str) -> int:
    try:
        return parse_layout(spec).tiles
    except LayoutError as exc:
        raise DomainError("bad_layout", str(exc)) from None


async def list_walls(session: AsyncSession, subject: Subject) -> list[tuple[Wall, str]]:
    authorize(subject, policy.WALL_VIEW, None)
    rows = await session.execute(
        select(Wall, Organisation.path)
        .join(Organisation, Organisation.id == Wall.organisation_id)
        .where(Organisation.path.startswith(subject.org_path or "\0"))
        .order_by(Wall.created_at)
    )
    return [(wall, path) for wall, path in rows.all()]


async def access_wall_by_id(
    session: AsyncSession,
    subject: Subject,
    wall_id: str,
    action: str = policy.WALL_VIEW,
    *,
    for_update: bool = False,
) -> tuple[Wall, str]:
    """The wall and its organisation's path, if `subject` may do `action` on it.
    `for_update` locks the wall's row (PostgreSQL) so concurrent edits serialise."""
    wall = await session.get(Wall, wall_id, with_for_update=for_update or None)
    if wall is None:
        raise DomainError("not_found", "电视墙不存在 / no such wall", 404)
    path = await org_path(session, wall.organisation_id) or ""
    authorize(subject, action, path)
    return wall, path


async def screens_of(session: AsyncSession, wall: Wall) -> list[WallScreen]:
    rows = await session.scalars(
        select(WallScreen).where(WallScreen.wall_id == wall.id).order_by(WallScreen.number)
    )
    return list(rows)


async def screen_of(session: AsyncSession, wall: Wall, number: int) -> WallScreen:
    screen = await session.scalar(
        select(WallScreen).where(WallScreen.wall_id == wall.id, WallScreen.number == number)
    )
    if screen is None:
        raise DomainError("not_found", f"屏幕 {number} 不存在 / no screen {number}", 404)
    return screen


async def do_delete_wall(
    session: AsyncSession, subject: Subject, wall: Wall, path: str, ip: str | None = None
) -> None:
    authorize(subject, policy.WALL_MANAGE, path)
    await do_append_audit(
        session, actor=subject.id, action="wall.delete", target=f"wall:{wall.id}", ip=ip
    )
    for table in (WallScreen, WallPreset):
        await session.execute(delete(table).where(table.wall_id == wall.id))
    await session.execute(delete(Wall).where(Wall.id == wall.id))
    session.expunge(wall)


# -- what a tile may show -----------------------------------------------------------------
async def check_source(
    session: AsyncSession,
    subject: Subject,
    wall_path: str,
    content: dict[str, Any],
    cameras: CameraLookup | None = None,
) -> dict[str, Any]:
    """A tile content from a request, checked: the source exists, the subject may
    watch it, and it lies inside the wall's subtree. Returns the stored form."""
    kind = content.get("kind")
    if kind in (ROOM, PARTICIPANT):
        room_id = _id(content, "roomId")
        room = await session.get(Room, room_id)
        if room is None:
            raise DomainError("room_not_found", "调解室不存在 / no such room", 404)
        path = await org_path(session, room.organisation_id) or policy.UNOWNED
        try:
            policy.authorize(subject, policy.ROOM_WATCH, org_path=path, room_id=room.id)
        except Denied as exc:
            raise _deny(exc) from None
        _inside_wall(wall_path, path)
        if kind == ROOM:
            return {"kind": ROOM, "roomId": room.id}
        participant_id = _id(content, "participantId")
        participant = await session.get(Participant, participant_id)
        if participant is None or participant.room_id != room.id:
            raise DomainError("not_found", "参与者不存在 / no such participant", 404)
        return {"kind": PARTICIPANT, "roomId": room.id, "participantId": participant.id}
    if kind == CAMERA:
        camera_id = _id(content, "cameraId")
        camera_path: str | None = await (cameras or camera_org_path)(session, camera_id)
        if camera_path is None:
            raise DomainError("camera_not_found", "摄像机不存在 / no such camera", 404)
        authorize(subject, policy.ROOM_WATCH, camera_path)
        _inside_wall(wall_path, camera_path)
        return {"kind": CAMERA, "cameraId": camera_id}
    raise DomainError("bad_request", "画面来源须为 room、participant 或 camera / unknown kind")


def _id(content: dict[str, Any], key: str) -> str:
    value = content.get(key)
    if not isinstance(value, str) or not value or len(value) > 64:
        raise DomainError("bad_request", f"缺少 {key} / {key} is required")
    return value


def _inside_wall(wall_path: str, source_path: str) -> None:
    """A wall shows its own subtree; rooms outside the tree only on the root's walls."""
    if source_path == policy.UNOWNED:
        if len([p for p in wall_path.split("/") if p]) == 1:
            return
    elif source_path.startswith(wall_path):
        return
    raise DomainError("forbidden", "不在本电视墙的辖区内 / outside this wall's organisation", 403)


async def check_tour(
    session: AsyncSession,
    subject: Subject,
    wall_path: str,
    items: Any,
    dwell_s: Any,
    cameras: CameraLookup | None = None,
) -> Tour:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DomainError("bad_request", "轮巡 items 须为列表 / items must be a list")
    checked = [await check_source(session, subject, wall_path, i, cameras) for i in items[:65]]
    if not isinstance(dwell_s, int | float) or isinstance(dwell_s, bool):
        raise DomainError("bad_request", "dwellS 须为数字 / dwellS must be a number")
    try:
        return make_tour(checked, float(dwell_s), time.time())
    except TourError as exc:
        raise DomainError("bad_tour", str(exc)) from None


# -- changing screens ----------------------------------------------------------------------
def _tile_number(screen: WallScreen, tile: int) -> str:
    if not 1 <= tile <= _layout(screen.layout):
        raise DomainError("not_found", f"画面 {tile} 不存在 / no tile {tile}", 404)
    return str(tile)


async def do_put_tile(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    tile: int,
    content: dict[str, Any],
    *,
    ip: str | None = None,
) -> WallScreen:
    """Put a checked content (check_source, or a tour's as_dict) on a tile."""
    authorize(subject, policy.WALL_MANAGE, path)
    key = _tile_number(screen, tile)
    screen.tiles = {**screen.tiles, key: content}
    await _audit(
        session,
        wall,
        subject.id,
        "wall.tile.put",
        {"screen": screen.number, "tile": tile, "content": content},
        ip,
    )
    return screen


async def do_clear_tile(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    tile: int,
    *,
    ip: str | None = None,
) -> WallScreen:
    authorize(subject, policy.WALL_MANAGE, path)
    key = _tile_number(screen, tile)
    screen.tiles = {k: v for k, v in screen.tiles.items() if k != key}
    if screen.enlarged == tile:
        screen.enlarged = None
    await _audit(
        session, wall, subject.id, "wall.tile.clear", {"screen": screen.number, "tile": tile}, ip
    )
    return screen


async def do_swap_tiles(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    first: tuple[WallScreen, int],
    second: tuple[WallScreen, int],
    *,
    ip: str | None = None,
) -> None:
    """Exchange what two tiles show (on one screen or two); a move when one is empty."""
    authorize(subject, policy.WALL_MANAGE, path)
    (a, ta), (b, tb) = first, second
    ka, kb = _tile_number(a, ta), _tile_number(b, tb)
    ca, cb = a.tiles.get(ka), b.tiles.get(kb)
    if a is b:
        tiles = {k: v for k, v in a.tiles.items() if k not in (ka, kb)}
        tiles.update({k: v for k, v in ((ka, cb), (kb, ca)) if v is not None})
        a.tiles = tiles
    else:
        a.tiles = {**{k: v for k, v in a.tiles.items() if k != ka}, **({ka: cb} if cb else {})}
        b.tiles = {**{k: v for k, v in b.tiles.items() if k != kb}, **({kb: ca} if ca else {})}
    await _audit(
        session,
        wall,
        subject.id,
        "wall.tile.swap",
        {"from": {"screen": a.number, "tile": ta}, "to": {"screen": b.number, "tile": tb}},
        ip,
    )


async def do_enlarge_tile(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    tile: int | None,
    *,
    ip: str | None = None,
) -> WallScreen:
    """Show one tile over the whole screen (None: back to the layout)."""
    authorize(subject, policy.WALL_MANAGE, path)
    if tile is not None:
        _tile_number(screen, tile)
    screen.enlarged = tile
    await _audit(
        session, wall, subject.id, "wall.tile.enlarge", {"screen": screen.number, "tile": tile}, ip
    )
    return screen


async def do_set_layout(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    layout: str,
    *,
    ip: str | None = None,
) -> WallScreen:
    """A new layout; tiles beyond its count are cleared (the audit entry lists them)."""
    authorize(subject, policy.WALL_MANAGE, path)
    count = _layout(layout)
    dropped = sorted(int(k) for k in screen.tiles if k.isdigit() and int(k) > count)
    screen.layout = layout
    screen.tiles = {k: v for k, v in screen.tiles.items() if not k.isdigit() or int(k) <= count}
    if screen.enlarged is not None and screen.enlarged > count:
        screen.enlarged = None
    await _audit(
        session,
        wall,
        subject.id,
        "wall.layout",
        {"screen": screen.number, "layout": layout, "cleared": dropped},
        ip,
    )
    return screen


async def do_set_screen_tour(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    tour: Tour | None,
    *,
    ip: str | None = None,
) -> WallScreen:
    """A tour through the whole screen, page by page (None: stop it)."""
    authorize(subject, policy.WALL_MANAGE, path)
    tiles = {k: v for k, v in screen.tiles.items() if k != SCREEN_TOUR}
    if tour is not None:
        tiles[SCREEN_TOUR] = {"kind": TOUR, **tour.as_dict()}
    screen.tiles = tiles
    await _audit(
        session,
        wall,
        subject.id,
        "wall.tour.screen",
        {"screen": screen.number, "tour": None if tour is None else tour.as_dict()},
        ip,
    )
    return screen


async def do_control_tour(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    screen: WallScreen,
    tile: int | None,
    action: str,
    *,
    ip: str | None = None,
) -> WallScreen:
    """Pause or resume the tour on a tile (or the screen's tour: tile None)."""
    authorize(subject, policy.WALL_MANAGE, path)
    key = SCREEN_TOUR if tile is None else _tile_number(screen, tile)
    content = screen.tiles.get(key)
    if not content or content.get("kind") != TOUR:
        raise DomainError("not_found", "此处没有轮巡 / no tour here", 404)
    tour = Tour.from_dict(content)
    now = time.time()
    if action == "pause":
        tour = pause(tour, now)
    elif action == "resume":
        tour = resume(tour, now)
    else:
        raise DomainError("bad_request", "action 须为 pause 或 resume / pause or resume")
    screen.tiles = {**screen.tiles, key: {"kind": TOUR, **tour.as_dict()}}
    await _audit(
        session,
        wall,
        subject.id,
        f"wall.tour.{action}",
        {"screen": screen.number, "tile": tile},
        ip,
    )
    return screen


__all__ = [
    "CAMERA",
    "MAX_SCREENS",
    "PARTICIPANT",
    "ROOM",
    "SCREEN_TOUR",
    "TOUR",
    "access_wall_by_id",
    "check_source",
    "check_tour",
    "do_clear_tile",
    "do_control_tour",
    "do_create_wall",
    "do_delete_wall",
    "do_enlarge_tile",
    "do_put_tile",
    "do_set_layout",
    "do_set_screen_tour",
    "do_swap_tiles",
    "list_walls",
    "screen_of",
    "screens_of",
]
