"""Graph builders shared by the tests (no Qt, no torch)."""

from __future__ import annotations

from typing import Any

from playground.core.graph import Block, Graph, Link


def chain(*blocks: tuple[str, str, dict[str, Any]]) -> Graph:
    """A graph whose blocks are wired one after the other, output 0 -> input 0."""
    graph = Graph()
    previous = None
    for block_id, type_name, params in blocks:
        graph.add_block(Block(block_id, type_name, dict(params)))
        if previous is not None:
            graph.connect(Link(previous, 0, block_id, 0))
        previous = block_id
    return graph


def mlp(hidden: int = 8) -> Graph:
    return chain(
        ("input_1", "input", {"shape": [2]}),
        ("linear_1", "linear", {"in_features": 2, "out_features": hidden}),
        ("tanh_1", "tanh", {}),
        ("linear_2", "linear", {"in_features": hidden, "out_features": 1}),
        ("output_1", "output", {}),
    )
