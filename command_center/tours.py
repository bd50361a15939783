"""Tours (轮巡), pure: an ordered list of sources that rotates through a tile, or
page by page through a whole screen, with a dwell time.

A tour is stored as its items, its dwell, the moment it started and, while paused,
the moment it paused; where it stands is worked out from the clock, so every node
and every screen page agree without a timer of their own:

    position(tour, now) -> Position(index, next_index, switch_at)

The next stream starts before it is shown (no black gap): from PREFETCH_S before
the switch the screen receives the current item and the next one, and shows the
next one at `switch_at` once it has a frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

MIN_DWELL_S = 5.0
MAX_DWELL_S = 3600.0
MAX_ITEMS = 64
PREFETCH_S = 3.0  # the next item is subscribed this long before it is shown


class TourError(ValueError):
    """A tour that can't be used; the message says why (zh / en)."""


@dataclass(frozen=True)
class Tour:
    items: tuple[dict[str, Any], ...]  # sources: {"kind": "room", "roomId": ...} ...
    dwell_s: float
    started_at: float  # epoch seconds
    paused_at: float | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "dwellS": self.dwell_s,
            "startedAt": self.started_at,
            "pausedAt": self.paused_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tour:
        return cls(
            items=tuple(data.get("items") or ()),
            dwell_s=float(data["dwellS"]),
            started_at=float(data["startedAt"]),
            paused_at=None if data.get("pausedAt") is None else float(data["pausedAt"]),
        )


@dataclass(frozen=True)
class Position:
    index: int  # the step shown now
    next_index: int  # the step shown after it
    switch_at: float | None  # when it switches (None: paused, or one step only)


def make_tour(items: list[dict[str, Any]], dwell_s: float, now: float) -> Tour:
    if not items:
        raise TourError("轮巡至少需要一个画面 / a tour needs at least one source")
    if len(items) > MAX_ITEMS:
        raise TourError(f"轮巡最多 {MAX_ITEMS} 个画面 / at most {MAX_ITEMS} sources")
    if not MIN_DWELL_S <= dwell_s <= MAX_DWELL_S:
        raise TourError(
            f"停留时间须在 {MIN_DWELL_S:g}-{MAX_DWELL_S:g} 秒之间"
            f" / the dwell time is {MIN_DWELL_S:g}-{MAX_DWELL_S:g} s"
        )
    return Tour(tuple(items), float(dwell_s), now)


def steps(tour: Tour, per_step: int = 1) -> int:
    """How many steps the tour has when each step fills `per_step` tiles."""
    return max(1, -(-len(tour.items) // max(1, per_step)))


def position(tour: Tour, now: float, per_step: int = 1) -> Position:
    count = steps(tour, per_step)
    at = tour.paused_at if tour.paused_at is not None else now
    done = max(0, int((at - tour.started_at) // tour.dwell_s))
    index = done % count
    next_index = (index + 1) % count
    if tour.paused or count == 1:
        return Position(index, next_index, None)
    return Position(index, next_index, tour.started_at + (done + 1) * tour.dwell_s)


def step_items(tour: Tour, index: int, per_step: int = 1) -> list[dict[str, Any] | None]:
    """The items of one step: `per_step` of them, None where the list has run out."""
    start = index * per_step
    chunk: list[dict[str, Any] | None] = list(tour.items[start : start + per_step])
    return chunk + [None] * (per_step - len(chunk))


def prefetching(tour: Tour, now: float, per_step: int = 1) -> bool:
    """Should the next step's streams be running already?"""
    switch_at = position(tour, now, per_step).switch_at
    return switch_at is not None and switch_at - now <= PREFETCH_S


def pause(tour: Tour, now: float) -> Tour:
    return tour if tour.paused else replace(tour, paused_at=now)


def resume(tour: Tour, now: float) -> Tour:
    """Carry on from where it paused: the step shown keeps the rest of its dwell."""
    if tour.paused_at is None:
        return tour
    return replace(tour, started_at=tour.started_at + (now - tour.paused_at), paused_at=None)


__all__ = [
    "MIN_DWELL_S",
    "PREFETCH_S",
    "Position",
    "Tour",
    "TourError",
    "make_tour",
    "pause",
    "position",
    "prefetching",
    "resume",
    "step_items",
    "steps",
]
