"""Worked solutions of the shipped assignments, and submissions of every kind for grading tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from playground.core.graph import Block, Link
from playground.core.project import load
from playground.core.project_types import Project
from playground.core.project_write import save
from playground.host import PRESETS

ASSIGNMENTS = PRESETS / "assignments"


def assignment(name: str) -> Project:
    return load(ASSIGNMENTS / f"{name}.json")


def chain(project: Project, blocks: list[tuple[str, dict]]) -> Project:
    """The blocks, in a row, wired from the Input to the Output (each (type, params))."""
    graph = project.graph
    before = "input_1"
    for i, (type_name, params) in enumerate(blocks):
        block_id = f"{type_name}_{i + 1}"
        graph.add_block(Block(block_id, type_name, dict(params), 240.0 * i, 240.0))
        graph.connect(Link(before, 0, block_id, 0))
        before = block_id
    graph.connect(Link(before, 0, "output_1", 0))
    return project


def spiral_solution(width: int = 10, **training: object) -> Project:
    """The spiral in 151 parameters: 2-10-10-1 with tanh."""
    project = chain(
        assignment("spiral-200"),
        [
            ("linear", {"in_features": 2, "out_features": width}),
            ("tanh", {}),
            ("linear", {"in_features": width, "out_features": width}),
            ("tanh", {}),
            ("linear", {"in_features": width, "out_features": 1}),
        ],
    )
    project.training = dataclasses.replace(project.training, **training)
    return project


def digits_solution() -> Project:
    """Digits with two convolutions: 6,090 parameters."""
    return chain(
        assignment("digits-cnn-10k"),
        [
            ("conv2d", {"in_channels": 1, "out_channels": 16, "kernel_size": 3, "padding": 1}),
            ("relu", {}),
            ("max_pool2d", {}),
            ("conv2d", {"in_channels": 16, "out_channels": 32, "kernel_size": 3, "padding": 1}),
            ("relu", {}),
            ("max_pool2d", {}),
            ("flatten", {}),
            ("linear", {"in_features": 128, "out_features": 10}),
        ],
    )


def rewired(
    project: Project, drop: list[tuple[str, str]], blocks: list[Block], wires: list[tuple[str, str, int]]
) -> Project:
    """``project`` with the wires ``drop`` (src, dst) taken out, ``blocks`` added and ``wires`` (src, dst,
    port) made."""
    graph = project.graph
    for src, dst in drop:
        (link,) = [link for link in graph.links if (link.src, link.dst) == (src, dst)]
        graph.disconnect(link)
    for block in blocks:
        graph.add_block(block)
    for src, dst, port in wires:
        graph.connect(Link(src, 0, dst, port))
    return project


def write(project: Project, path: Path) -> Path:
    save(project, path)
    return path


def label_peeking() -> Project:
    """The spiral solution with a second Input reading the labels (``y``) through an Embedding, added to
    the honest path multiplied by 0: it passed spiral-200 at val_accuracy 1.0000 with 5 parameters of
    its own before Inputs reading the answers were refused."""
    project = spiral_solution()
    graph = project.graph
    (last,) = [link for link in graph.links if link.dst == "output_1"]
    graph.disconnect(last)
    graph.add_block(Block("peek", "input", {"shape": [], "dtype": "long", "data": "y"}, 0.0, 480.0))
    graph.add_block(Block("answer", "embedding", {"num_embeddings": 2, "embedding_dim": 1}, 240.0, 480.0))
    graph.add_block(Block("times_zero", "arithmetic", {"op": "x * c", "c": 0.0}, 240.0, 720.0))
    graph.add_block(Block("mixed", "add", {}, 480.0, 480.0))
    for link in (
        Link("peek", 0, "answer", 0),
        Link(last.src, 0, "times_zero", 0),
        Link("answer", 0, "mixed", 0),
        Link("times_zero", 0, "mixed", 1),
        Link("mixed", 0, "output_1", 0),
    ):
        graph.connect(link)
    return project
