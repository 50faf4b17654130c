"""Automatic placement: columns by topological depth, left to right."""

from __future__ import annotations

from playground.core.graph import Graph

COLUMN_WIDTH = 220.0
ROW_HEIGHT = 120.0


def auto_layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """A position for every block: depth (longest path from an input) picks the column."""
    order = graph.topological_order() if not graph.find_cycle() else list(graph.blocks)
    depth: dict[str, int] = {}
    for block_id in order:
        parents = [link.src for link in graph.links if link.dst == block_id and link.src in depth]
        depth[block_id] = 1 + max((depth[p] for p in parents), default=-1)
    rows: dict[int, int] = {}
    positions = {}
    for block_id in order:
        column = depth[block_id]
        row = rows.get(column, 0)
        rows[column] = row + 1
        positions[block_id] = (column * COLUMN_WIDTH, row * ROW_HEIGHT)
    return positions
