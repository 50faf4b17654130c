"""Automatic placement: columns by topological depth, left to right, wrapping long chains into bands
so that a deep network still reads at a comfortable zoom."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

from playground.core.graph import Graph

COLUMN_WIDTH = 290.0
ROW_HEIGHT = 130.0
BAND_GAP = 60.0
MIN_COLUMNS = 4
UNWRAPPED = 6  # a network this deep or shallower stays on one row
ASPECT = 1.6  # width : height a large graph is wrapped towards (a screen, a projector)


def auto_layout(graph: Graph, max_columns: int | None = None) -> dict[str, tuple[float, float]]:
    """A position for every block: depth (longest path from an input) picks the column; depths past
    ``max_columns`` continue in a new band below, like lines of text. By default small graphs wrap
    after four columns and large ones into bands wide enough to fill a screen-shaped area."""
    order, depth = _depths(graph)
    if max_columns is None:
        max_columns = _columns_for(depth)
    slots: dict[tuple[int, int], list[str]] = {}
    for block_id in order:
        band, column = divmod(depth[block_id], max_columns)
        slots.setdefault((band, column), []).append(block_id)
    bands = 1 + max((band for band, _ in slots), default=0)
    band_rows = [1] * bands
    for (band, _), ids in slots.items():
        band_rows[band] = max(band_rows[band], len(ids))
    band_top = list(itertools.accumulate((rows * ROW_HEIGHT + BAND_GAP for rows in band_rows[:-1]), initial=0.0))
    positions = {}
    for (band, column), ids in slots.items():
        for row, block_id in enumerate(ids):
            positions[block_id] = (column * COLUMN_WIDTH, band_top[band] + row * ROW_HEIGHT)
    return positions


def _depths(graph: Graph) -> tuple[list[str], dict[str, int]]:
    """The blocks in data-flow order, and each one's depth: the longest path to it from an input."""
    order = graph.topological_order() if not graph.find_cycle() else list(graph.blocks)
    parents_of: dict[str, list[str]] = {}
    for link in graph.links:
        parents_of.setdefault(link.dst, []).append(link.src)
    depth: dict[str, int] = {}
    for block_id in order:
        parents = [p for p in parents_of.get(block_id, []) if p in depth]
        depth[block_id] = 1 + max((depth[p] for p in parents), default=-1)
    return order, depth


def flow_columns(graph: Graph) -> list[list[str]]:
    """The blocks by depth, in data-flow order: what a one-line drawing of the network shows from left
    to right (blocks of one depth, e.g. two inputs, share a column, in the order they are placed from
    top to bottom)."""
    order, depth = _depths(graph)
    columns: list[list[str]] = [[] for _ in range(1 + max(depth.values(), default=-1))]
    for block_id in sorted(order, key=lambda b: (graph.blocks[b].y, graph.blocks[b].x)):
        columns[depth[block_id]].append(block_id)
    return columns


@dataclass(frozen=True)
class Snake:
    """Columns of cards laid out as lines that turn back (a snake): ``rows`` lines of at most ``per_row``
    columns, drawn at ``scale`` to fit the box they were laid out for."""

    rows: int
    per_row: int
    scale: float

    def slot(self, column: int) -> tuple[int, int]:
        """The line a column is on and its place along it from the left (odd lines run right to left)."""
        row, along = divmod(column, self.per_row)
        return row, (self.per_row - 1 - along if row % 2 else along)


def snake(stacks: list[int], card: tuple[float, float], gap: float, box: tuple[float, float]) -> Snake:
    """The snake that draws columns of ``stacks[i]`` cards (each ``card`` wide and high, ``gap`` apart)
    largest inside ``box`` (width, height): as few lines as the width allows, as many as the height
    makes worth it."""
    best = Snake(1, max(len(stacks), 1), 0.0)
    for rows in range(1, max(len(stacks), 1) + 1):
        per_row = math.ceil(len(stacks) / rows) if stacks else 1
        width, height = _snake_size(stacks, per_row, card, gap)
        scale = min(box[0] / width, box[1] / height)
        if scale > best.scale:
            best = Snake(math.ceil(len(stacks) / per_row) if stacks else 1, per_row, scale)
    return best


def snake_height(stacks: list[int], card: tuple[float, float], gap: float, width: float) -> float:
    """The least height in which a snake as wide as ``width`` draws the cards at their size (scale 1)."""
    heights = [
        _snake_size(stacks, per_row, card, gap)[1]
        for per_row in range(1, max(len(stacks), 1) + 1)
        if _snake_size(stacks, per_row, card, gap)[0] <= width
    ]
    return min(heights, default=_snake_size(stacks, 1, card, gap)[1])


def _snake_size(stacks: list[int], per_row: int, card: tuple[float, float], gap: float) -> tuple[float, float]:
    lines = [stacks[i : i + per_row] for i in range(0, len(stacks), per_row)] or [[1]]
    width = per_row * card[0] + (per_row + 1) * gap
    height = sum(max(line) * card[1] for line in lines) + (sum(max(line) - 1 for line in lines) + len(lines) + 1) * gap
    return width, height


def _columns_for(depth: dict[str, int]) -> int:
    per_level = Counter(depth.values())
    levels, rows = len(per_level) or 1, max(per_level.values(), default=1)
    if levels <= UNWRAPPED:
        return levels
    band_height = rows * ROW_HEIGHT + BAND_GAP
    return max(MIN_COLUMNS, round(math.sqrt(ASPECT * levels * band_height / COLUMN_WIDTH)))
