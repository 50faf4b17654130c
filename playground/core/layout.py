"""Automatic placement: columns by topological depth, left to right, wrapping long chains into bands
so that a deep network still reads at a comfortable zoom."""

from __future__ import annotations

import itertools
import math
from collections import Counter

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
    order = graph.topological_order() if not graph.find_cycle() else list(graph.blocks)
    parents_of: dict[str, list[str]] = {}
    for link in graph.links:
        parents_of.setdefault(link.dst, []).append(link.src)
    depth: dict[str, int] = {}
    for block_id in order:
        parents = [p for p in parents_of.get(block_id, []) if p in depth]
        depth[block_id] = 1 + max((depth[p] for p in parents), default=-1)
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


def _columns_for(depth: dict[str, int]) -> int:
    per_level = Counter(depth.values())
    levels, rows = len(per_level) or 1, max(per_level.values(), default=1)
    if levels <= UNWRAPPED:
        return levels
    band_height = rows * ROW_HEIGHT + BAND_GAP
    return max(MIN_COLUMNS, round(math.sqrt(ASPECT * levels * band_height / COLUMN_WIDTH)))
