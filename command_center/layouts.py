"""Screen layouts (pure): how a screen is cut into tiles.

A layout is written as a short string, stored with the screen and sent to its page:

    "1"      one tile
    "2x2"    a grid of 2 rows and 2 columns (any "RxC" up to 6x6: "3x3", "4x4", "2x3" ...)
    "1+5"    one large tile (2x2 of a 3x3 grid) and five small ones round it
    "1+7"    one large tile (3x3 of a 4x4 grid) and seven small ones
    "custom:4x4:0,0,2,2;0,2,2,2;2,0,1,4;3,0,1,4"
             a grid of 4x4 and its cells, each "row,col,rows,cols" (0-based), in tile order

Tiles are numbered from 1, in the order of the layout's cells. A custom layout's
cells must lie inside the grid and must not overlap; a screen has at most
MAX_TILES tiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_GRID = 6
MAX_TILES = 36
MAX_LAYOUT_CHARS = 200
PRESETS = ("1", "2x2", "1+5", "3x3", "4x4")  # what the console offers first


class LayoutError(ValueError):
    """A layout string that can't be used; the message says why (zh / en)."""


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    rows: int = 1
    cols: int = 1

    def as_dict(self) -> dict[str, int]:
        return {"row": self.row, "col": self.col, "rows": self.rows, "cols": self.cols}


@dataclass(frozen=True)
class Layout:
    spec: str
    rows: int
    cols: int
    cells: tuple[Cell, ...]

    @property
    def tiles(self) -> int:
        return len(self.cells)

    def as_dict(self) -> dict[str, object]:
        return {
            "spec": self.spec,
            "rows": self.rows,
            "cols": self.cols,
            "cells": [c.as_dict() for c in self.cells],
        }


_GRID = re.compile(r"([1-9])x([1-9])")


def _grid(rows: int, cols: int, spec: str) -> Layout:
    cells = tuple(Cell(r, c) for r in range(rows) for c in range(cols))
    return Layout(spec, rows, cols, cells)


def _big_and_ring(size: int, spec: str) -> Layout:
    """One tile over (size-1)x(size-1) of a size x size grid, the rest round it."""
    big = size - 1
    cells = [Cell(0, 0, big, big)]
    cells += [Cell(r, big) for r in range(big)]
    cells += [Cell(big, c) for c in range(size)]
    return Layout(spec, size, size, tuple(cells))


def parse_layout(spec: object) -> Layout:
    """The Layout a string describes; LayoutError when it describes none."""
    if not isinstance(spec, str) or not spec or len(spec) > MAX_LAYOUT_CHARS:
        raise LayoutError("布局无效 / a layout is a short string such as 3x3")
    if spec == "1":
        return _grid(1, 1, spec)
    if spec == "1+5":
        return _big_and_ring(3, spec)
    if spec == "1+7":
        return _big_and_ring(4, spec)
    match = _GRID.fullmatch(spec)
    if match:
        rows, cols = int(match.group(1)), int(match.group(2))
        _check_grid(rows, cols)
        return _grid(rows, cols, spec)
    if spec.startswith("custom:"):
        return _custom(spec)
    raise LayoutError(
        f"未知布局 {spec[:20]!r}（可用 1、2x2、1+5、3x3、4x4 或 custom:）"
        f" / unknown layout (use 1, 2x2, 1+5, 3x3, 4x4, RxC or custom:)"
    )


def _check_grid(rows: int, cols: int) -> None:
    if not (1 <= rows <= MAX_GRID and 1 <= cols <= MAX_GRID):
        raise LayoutError(f"网格最大 {MAX_GRID}x{MAX_GRID} / grids go up to {MAX_GRID}x{MAX_GRID}")


def _custom(spec: str) -> Layout:
    parts = spec.split(":")
    if len(parts) != 3 or not _GRID.fullmatch(parts[1]):
        raise LayoutError("自定义布局格式：custom:RxC:r,c,rs,cs;... / custom:RxC:r,c,rows,cols;...")
    rows, cols = (int(x) for x in parts[1].split("x"))
    _check_grid(rows, cols)
    cells: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    for text in parts[2].split(";"):
        numbers = text.split(",")
        if len(numbers) != 4 or not all(n.isdigit() and len(n) == 1 for n in numbers):
            raise LayoutError(f"单元格 {text[:20]!r} 无效 / bad cell (row,col,rows,cols)")
        r, c, rs, cs = (int(n) for n in numbers)
        if rs < 1 or cs < 1 or r + rs > rows or c + cs > cols:
            raise LayoutError(f"单元格 {text} 超出网格 / cell {text} leaves the grid")
        covered = {(y, x) for y in range(r, r + rs) for x in range(c, c + cs)}
        if covered & taken:
            raise LayoutError(f"单元格 {text} 与其他重叠 / cell {text} overlaps another")
        taken |= covered
        cells.append(Cell(r, c, rs, cs))
        if len(cells) > MAX_TILES:
            raise LayoutError(f"最多 {MAX_TILES} 个画面 / at most {MAX_TILES} tiles")
    return Layout(spec, rows, cols, tuple(cells))


__all__ = ["MAX_TILES", "PRESETS", "Cell", "Layout", "LayoutError", "parse_layout"]
