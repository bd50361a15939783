"""Presets of a wall: every screen's layout, tiles and enlarged tile saved under a
name, and applied in one go (tours start again from their first step). Audited."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command_center.tours import Tour
from command_center.walls import TOUR, authorize, screens_of
from rooms import policy
from rooms.audit import do_append_audit
from rooms.domain import DomainError
from rooms.models import Wall, WallPreset
from rooms.policy import Subject

MAX_PRESETS = 50


def preset_json(preset: WallPreset) -> dict[str, Any]:
    return {"id": preset.id, "name": preset.name, "screens": preset.screens}


async def list_presets(session: AsyncSession, wall: Wall) -> list[WallPreset]:
    rows = await session.scalars(
        select(WallPreset).where(WallPreset.wall_id == wall.id).order_by(WallPreset.name)
    )
    return list(rows)


async def do_save_preset(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    name: str,
    *,
    ip: str | None = None,
) -> WallPreset:
    """Save the wall as it is now under `name` (replacing a preset of that name)."""
    authorize(subject, policy.WALL_MANAGE, path)
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError("bad_request", "名称须为 1-100 个字符 / the name is 1-100 characters")
    snapshot = {
        str(s.number): {"layout": s.layout, "tiles": s.tiles, "enlarged": s.enlarged}
        for s in await screens_of(session, wall)
    }
    preset = await session.scalar(
        select(WallPreset).where(WallPreset.wall_id == wall.id, WallPreset.name == name)
    )
    if preset is None:
        if len(await list_presets(session, wall)) >= MAX_PRESETS:
            raise DomainError("too_many", f"最多 {MAX_PRESETS} 个预案 / at most {MAX_PRESETS}", 409)
        preset = WallPreset(wall_id=wall.id, name=name, screens=snapshot, created_by=subject.id)
        session.add(preset)
    else:
        preset.screens = snapshot
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action="wall.preset.save",
        target=f"wall:{wall.id}",
        ip=ip,
        detail={"preset": preset.id, "name": name},
    )
    return preset


async def access_preset(session: AsyncSession, wall: Wall, preset_id: str) -> WallPreset:
    preset = await session.get(WallPreset, preset_id)
    if preset is None or preset.wall_id != wall.id:
        raise DomainError("not_found", "预案不存在 / no such preset", 404)
    return preset


def _restart_tours(tiles: dict[str, Any], now: float) -> dict[str, Any]:
    out = {}
    for key, content in tiles.items():
        if isinstance(content, dict) and content.get("kind") == TOUR:
            tour = Tour.from_dict(content)
            content = {"kind": TOUR, **Tour(tour.items, tour.dwell_s, now).as_dict()}
        out[key] = content
    return out


async def do_apply_preset(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    preset: WallPreset,
    *,
    ip: str | None = None,
) -> None:
    authorize(subject, policy.WALL_MANAGE, path)
    now = time.time()
    for screen in await screens_of(session, wall):
        saved = preset.screens.get(str(screen.number))
        if saved is None:
            continue
        screen.layout = saved["layout"]
        screen.tiles = _restart_tours(saved.get("tiles") or {}, now)
        screen.enlarged = saved.get("enlarged")
    wall.version = (wall.version or 0) + 1
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action="wall.preset.apply",
        target=f"wall:{wall.id}",
        ip=ip,
        detail={"preset": preset.id, "name": preset.name},
    )


async def do_delete_preset(
    session: AsyncSession,
    subject: Subject,
    wall: Wall,
    path: str,
    preset: WallPreset,
    *,
    ip: str | None = None,
) -> None:
    authorize(subject, policy.WALL_MANAGE, path)
    await session.delete(preset)
    await session.flush()
    await do_append_audit(
        session,
        actor=subject.id,
        action="wall.preset.delete",
        target=f"wall:{wall.id}",
        ip=ip,
        detail={"preset": preset.id, "name": preset.name},
    )


__all__ = [
    "access_preset",
    "do_apply_preset",
    "do_delete_preset",
    "do_save_preset",
    "list_presets",
    "preset_json",
]
