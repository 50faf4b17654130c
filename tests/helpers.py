"""Graph builders shared by the tests (no Qt, no torch)."""

from __future__ import annotations

from typing import Any

from playground.core.graph import Block, Graph, Link
from playground.core.project_types import DatasetRef, Project, TrainingConfig

HEARS_CTRL_C = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('playground', run_name='__main__', alter_sys=True)"
)
"""``python -c HEARS_CTRL_C ARGS`` runs ``playground ARGS`` with Ctrl+C (SIGINT) raising KeyboardInterrupt
even where the tests were started in the background, which leaves SIGINT ignored for every child."""


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


def project(graph: Graph, dataset: str, dataset_params: dict | None = None, **training: Any) -> Project:
    """A project around ``graph`` with the given dataset and training settings."""
    return Project(graph=graph, dataset=DatasetRef(dataset, dataset_params or {}), training=TrainingConfig(**training))


def classifier(inputs: int = 2, hidden: int = 8, classes: int = 2, dropout: float = 0.0) -> Graph:
    """Input -> Linear -> Tanh -> [Dropout] -> Linear -> Output."""
    blocks = [
        ("input_1", "input", {"shape": [inputs]}),
        ("linear_1", "linear", {"in_features": inputs, "out_features": hidden}),
        ("tanh_1", "tanh", {}),
    ]
    if dropout:
        blocks.append(("dropout_1", "dropout", {"p": dropout}))
    blocks += [("linear_2", "linear", {"in_features": hidden, "out_features": classes}), ("output_1", "output", {})]
    return chain(*blocks)
