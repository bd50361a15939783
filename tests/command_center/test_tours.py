"""Tours worked out from the clock: steps, switches, prefetch, pause and resume."""

from __future__ import annotations

import pytest

from command_center.screen_view import screen_views, visible_tiles
from command_center.tours import (
    PREFETCH_S,
    TourError,
    make_tour,
    pause,
    position,
    prefetching,
    resume,
    step_items,
)

ROOMS = [{"kind": "room", "roomId": r} for r in ("a", "b", "c")]


def test_position_follows_the_clock() -> None:
    tour = make_tour(ROOMS, 10, now=1000)
    assert position(tour, 1000) == position(tour, 1009.9)
    at = position(tour, 1005)
    assert (at.index, at.next_index, at.switch_at) == (0, 1, 1010)
    assert position(tour, 1010).index == 1
    assert position(tour, 1031).index == 0  # round again
    assert not prefetching(tour, 1010 - PREFETCH_S - 0.1)
    assert prefetching(tour, 1010 - PREFETCH_S + 0.1)


def test_pause_keeps_the_step_and_resume_keeps_its_rest() -> None:
    tour = make_tour(ROOMS, 10, now=0)
    paused = pause(tour, 14)
    assert position(paused, 500).index == 1 and position(paused, 500).switch_at is None
    assert not prefetching(paused, 500)
    resumed = resume(paused, 100)
    at = position(resumed, 100)
    assert at.index == 1 and at.switch_at == pytest.approx(106)  # 6 s of its 10 left


@pytest.mark.parametrize(
    ("items", "dwell"), [([], 10), (ROOMS, 4.9), (ROOMS, 4000), (ROOMS * 30, 10)]
)
def test_bad_tours(items: list[dict[str, str]], dwell: float) -> None:
    with pytest.raises(TourError):
        make_tour(items, dwell, now=0)


def test_pages_of_a_screen_tour() -> None:
    tour = make_tour(ROOMS * 2, 5, now=0)  # 6 items on 4 tiles: 2 pages
    assert step_items(tour, 1, 4) == [ROOMS[1], ROOMS[2], None, None]
    views = screen_views("2x2", {"tour": {"kind": "tour", **tour.as_dict()}}, None, now=3)
    assert [v.shown for v in views] == ROOMS * 1 + [ROOMS[0]]
    assert views[0].upcoming == ROOMS[1] and views[2].upcoming is None  # page 2 tile 3: none
    assert views[0].tour and views[0].tour["screen"] and views[0].tour["steps"] == 2


def test_tile_tours_and_plain_tiles_side_by_side() -> None:
    tour = make_tour(ROOMS, 5, now=0)
    tiles = {"1": {"kind": "tour", **tour.as_dict()}, "2": ROOMS[2]}
    views = screen_views("1+5", tiles, None, now=1)
    assert len(views) == 6
    assert views[0].shown == ROOMS[0] and views[0].upcoming is None
    assert views[1].shown == ROOMS[2] and views[1].tour is None
    assert screen_views("1+5", tiles, None, now=4)[0].upcoming == ROOMS[1]
    assert visible_tiles(views, None, None) == {1, 2, 3, 4, 5, 6}
    assert visible_tiles(views, 2, {1}) == {2}
    assert visible_tiles(views, None, {1, 9}) == {1}
