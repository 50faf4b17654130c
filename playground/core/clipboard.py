"""Copy and paste of a group of blocks as JSON text, read back as strictly as a project file."""

from __future__ import annotations

import json

from playground.core.graph import Block, Graph, Link, walk
from playground.core.project import build_graph, parse
from playground.core.project_write import graph_document, positions_of
from playground.core.reader import ProjectError

CLIPBOARD_FORMAT = "playground-blocks"


def copy_group(graph: Graph, block_ids: list[str]) -> str:
    """The blocks, their positions and the wires among them, as JSON text."""
    return json.dumps(
        {
            "format": CLIPBOARD_FORMAT,
            **graph_document(graph, block_ids),
            "positions": positions_of(graph, block_ids),
        },
        sort_keys=True,
    )


def paste_group(text: str) -> tuple[list[Block], list[Link]]:
    """Blocks and wires from clipboard text; ProjectError for anything that is not a valid group."""
    data = parse(text, "clipboard")
    if not isinstance(data, dict) or data.get("format") != CLIPBOARD_FORMAT:
        raise ProjectError("does not hold Playground blocks", "", "clipboard")
    graph = build_graph({"blocks": data.get("blocks"), "links": data.get("links")}, "clipboard")
    positions = data.get("positions", {})
    for prefix, level in walk(graph):
        for block in level.blocks.values():
            pair = positions.get(prefix + block.id) if isinstance(positions, dict) else None
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int | float) for v in pair):
                block.x, block.y = float(pair[0]), float(pair[1])
    return list(graph.blocks.values()), list(graph.links)
