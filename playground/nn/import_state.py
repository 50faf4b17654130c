"""What the importer's Blocks (import_blocks.py) hold while they build a graph from fx nodes, declared once
for the parts mixed into it (import_patterns, import_functional, import_parameters, import_masks): each
part reads and writes this state and calls these steps, which Blocks defines."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.graph import Graph


class Building:
    traced: fx.GraphModule  # the module as traced
    root: nn.Module  # the user's module: its submodules whole
    graph: Graph
    ports: dict[fx.Node, tuple[str, int]]  # a tensor node -> the block port that gives it
    modules: dict[str, str]  # block id -> the submodule it stands for
    paths: dict[str, list[str]]  # block id -> the submodules it is inside (its groups to be)
    names: dict[str, str]  # block id -> its layer's name in the submodule that holds it
    failed: set[fx.Node]  # nodes without a block: what they feed is not converted
    owners: list[list[str]]  # the modules whose functional layer is a block
    batch: int | None  # the traced batch

    def refuse(self, node: fx.Node, why: str, name: str = "") -> None:
        """``node`` has no block, ``why``; what it feeds is not blamed."""
        raise NotImplementedError

    def _target(self, node: fx.Node) -> Any:
        """What ``node`` calls: a submodule, a function or a method name."""
        raise NotImplementedError

    def _locate(self, node: fx.Node, block_id: str, layer: str = "") -> None:
        """Where the block goes (the submodule that holds ``layer``)."""
        raise NotImplementedError

    def _block(self, node: fx.Node, kind: str, params: dict[str, Any], wanted: str = "", numbered: bool = False) -> str:
        """A new block of ``kind`` for ``node``; its id."""
        raise NotImplementedError

    def _wire(self, inputs: list[fx.Node], block_id: str) -> None:
        """Wire the blocks that give ``inputs`` into ``block_id``'s input ports, in order."""
        raise NotImplementedError
