"""Screen layouts: the named ones, grids, custom cells, and what is refused."""

from __future__ import annotations

import pytest

from command_center.layouts import MAX_TILES, Cell, LayoutError, parse_layout


@pytest.mark.parametrize(
    ("spec", "tiles", "grid"),
    [
        ("1", 1, (1, 1)),
        ("2x2", 4, (2, 2)),
        ("1+5", 6, (3, 3)),
        ("3x3", 9, (3, 3)),
        ("4x4", 16, (4, 4)),
        ("2x3", 6, (2, 3)),
        ("1+7", 8, (4, 4)),
    ],
)
def test_named_layouts(spec: str, tiles: int, grid: tuple[int, int]) -> None:
    layout = parse_layout(spec)
    assert layout.tiles == tiles and (layout.rows, layout.cols) == grid
    covered = [
        (r, c)
        for cell in layout.cells
        for r in range(cell.row, cell.row + cell.rows)
        for c in range(cell.col, cell.col + cell.cols)
    ]
    assert len(covered) == len(set(covered)) == layout.rows * layout.cols  # no gap, no overlap


def test_one_plus_five_puts_the_big_tile_first() -> None:
    layout = parse_layout("1+5")
    assert layout.cells[0] == Cell(0, 0, 2, 2)
    assert layout.cells[1:] == (Cell(0, 2), Cell(1, 2), Cell(2, 0), Cell(2, 1), Cell(2, 2))


def test_custom_cells() -> None:
    layout = parse_layout("custom:4x4:0,0,2,2;0,2,2,2;2,0,1,4;3,0,1,4")
    assert layout.tiles == 4 and layout.cells[2] == Cell(2, 0, 1, 4)
    assert layout.as_dict()["cells"][0] == {"row": 0, "col": 0, "rows": 2, "cols": 2}


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "0x3",
        "7x7",
        "3x",
        "grid",
        "custom:2x2:0,0,2,2;1,1,1,1",
        "custom:2x2:0,0,3,1",
        "custom:2x2",
        "custom:2x2:a,b,c,d",
        "custom:9x9:0,0,1,1",
        "x" * 300,
        None,
        3,
    ],
)
def test_bad_layouts_are_refused_with_a_reason(spec: object) -> None:
    with pytest.raises(LayoutError) as refused:
        parse_layout(spec)
    assert "/" in str(refused.value)  # Chinese / English


def test_no_layout_has_more_than_max_tiles() -> None:
    assert parse_layout("6x6").tiles == MAX_TILES
