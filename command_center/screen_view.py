"""What a screen shows at a moment (pure): its stored tiles with tours worked out.

    views = screen_views(layout_spec, tiles, enlarged, now)

gives, for every tile of the layout, the source shown now, the source coming next
when a tour is about to switch (its streams start early: no black gap), and where
the tour stands. A whole-screen tour fills the tiles page by page and takes the
place of the tiles' own contents while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from command_center.layouts import parse_layout
from command_center.tours import PREFETCH_S, Tour, position, prefetching, step_items, steps

SCREEN_TOUR = "tour"


@dataclass(frozen=True)
class TileView:
    tile: int
    shown: dict[str, Any] | None  # {"kind": "room", "roomId": ...} or None (empty)
    upcoming: dict[str, Any] | None = None  # the next step's source, while prefetching
    tour: dict[str, Any] | None = None  # {"index", "steps", "switchAt", "paused", "screen"}

    def sources(self) -> list[dict[str, Any]]:
        return [s for s in (self.shown, self.upcoming) if s is not None]


def source_key(source: dict[str, Any]) -> str:
    """A stable name of a source: room:<id>, participant:<room>/<id>, camera:<id>."""
    kind = source.get("kind")
    if kind == "participant":
        return f"participant:{source.get('roomId')}/{source.get('participantId')}"
    if kind == "camera":
        return f"camera:{source.get('cameraId')}"
    return f"room:{source.get('roomId')}"


def _tour_state(tour: Tour, now: float, per_step: int, screen: bool) -> dict[str, Any]:
    at = position(tour, now, per_step)
    return {
        "index": at.index,
        "steps": steps(tour, per_step),
        "switchAt": at.switch_at,
        # when the page should ask again to receive the next step's streams early
        "prefetchAt": None if at.switch_at is None else at.switch_at - PREFETCH_S,
        "paused": tour.paused,
        "dwellS": tour.dwell_s,
        "screen": screen,
    }


def screen_views(
    layout_spec: str, tiles: dict[str, Any], enlarged: int | None, now: float
) -> list[TileView]:
    count = parse_layout(layout_spec).tiles
    screen_tour = tiles.get(SCREEN_TOUR)
    if isinstance(screen_tour, dict) and screen_tour.get("items"):
        tour = Tour.from_dict(screen_tour)
        at = position(tour, now, count)
        shown = step_items(tour, at.index, count)
        upcoming: list[dict[str, Any] | None] = [None] * count
        if prefetching(tour, now, count):
            upcoming = step_items(tour, at.next_index, count)
        state = _tour_state(tour, now, count, screen=True)
        return [
            TileView(i + 1, shown[i], _differs(upcoming[i], shown[i]), state) for i in range(count)
        ]
    views = []
    for number in range(1, count + 1):
        content = tiles.get(str(number))
        if isinstance(content, dict) and content.get("kind") == "tour" and content.get("items"):
            tour = Tour.from_dict(content)
            at = position(tour, now)
            nxt = tour.items[at.next_index] if prefetching(tour, now) else None
            views.append(
                TileView(
                    number,
                    tour.items[at.index],
                    _differs(nxt, tour.items[at.index]),
                    _tour_state(tour, now, 1, screen=False),
                )
            )
        else:
            views.append(TileView(number, content if isinstance(content, dict) else None))
    return views


def _differs(
    upcoming: dict[str, Any] | None, shown: dict[str, Any] | None
) -> dict[str, Any] | None:
    if upcoming is None or (shown is not None and source_key(upcoming) == source_key(shown)):
        return None
    return upcoming


def visible_tiles(
    views: list[TileView], enlarged: int | None, reported: set[int] | None
) -> set[int]:
    """The tiles whose streams run: the enlarged one alone while one is; otherwise
    those the page reports visible (all of them until it reports)."""
    numbers = {v.tile for v in views}
    if enlarged is not None and enlarged in numbers:
        return {enlarged}
    return numbers if reported is None else numbers & reported


__all__ = ["TileView", "screen_views", "source_key", "visible_tiles"]
