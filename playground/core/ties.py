"""Tied weights: one learned tensor under two names, as nanoGPT's output layer reads its token embedding.

``Graph.ties`` (the top graph's) maps a weight to the weight it shares: ``{"lm_head.weight":
"transformer.wte.weight"}``. Each name is a block's path from the top (group ids and the block's id,
dotted) and the torch name of one of its learned tensors; the block types that can share one declare
their tensors' shapes (``BlockSpec.weights``). The module keeps the second block's tensor in both places
(torch's ``self.lm_head.weight = self.transformer.wte.weight``): its state dict lists both names, and
the network counts the tensor once.
"""

from __future__ import annotations

import math

from playground.core.analysis import Analysis
from playground.core.graph import GROUP, Block, Graph
from playground.core.registry import Shape, get_spec


def split(name: str) -> tuple[list[str], str]:
    """``"transformer.wte.weight"`` -> (["transformer", "wte"], "weight")."""
    *path, weight = name.split(".")
    return path, weight


def find(graph: Graph, path: list[str]) -> tuple[Block | None, bool]:
    """The block at ``path`` and whether a repeated group holds it (each copy then has its own tensor)."""
    block, repeated = None, False
    for depth, block_id in enumerate(path):
        block = graph.blocks.get(block_id)
        if block is None:
            return None, repeated
        if depth < len(path) - 1:
            if block.graph is None:
                return None, repeated
            repeated = repeated or block.params.get("repeat", 1) > 1
            graph = block.graph
    return block, repeated


def _shape(graph: Graph, analysis: Analysis, name: str) -> Shape | str:
    """The shape of the tensor ``name`` names, or why it names none that can be shared."""
    path, weight = split(name)
    block, repeated = find(graph, path)
    if not path or block is None:
        return f"there is no block '{'.'.join(path)}'"
    if repeated:
        return f"'{'.'.join(path)}' is inside a repeated group, whose copies each have their own weights"
    spec = get_spec(block.type)
    if block.type == GROUP or spec is None or spec.weights is None:
        return f"{spec.title if spec else block.type} '{block.id}' has no weight a tie can share"
    params = analysis.level(path[:-1]).params.get(block.id)
    if params is None:
        return ""  # the block has a problem of its own, said there
    shapes = spec.weights(params)
    if weight not in shapes:
        return f"{spec.title} '{block.id}' has no weight '{weight}' (it has {', '.join(shapes)})"
    return shapes[weight]


def check(graph: Graph, analysis: Analysis) -> tuple[list[tuple[str, str]], int]:
    """What is wrong with each tie, as (top-level block, message), and how many values the sound ties
    share (the network counts them once); each level's analysis learns its blocks that share a weight."""
    wrong, shared = [], 0
    for name, to in graph.ties.items():
        mine, theirs = (_shape(graph, analysis, end) for end in (name, to))
        if isinstance(mine, str) or isinstance(theirs, str):
            why = mine if isinstance(mine, str) else theirs
        elif mine != theirs:
            why = f"{name} is {'x'.join(map(str, mine))} but {to} is {'x'.join(map(str, theirs))}: tied weights need one shape"
        elif to in graph.ties or name in graph.ties.values() or name == to:
            why = "a weight is tied to itself or to a weight that is tied in turn: tie each to the same one"
        else:
            shared += math.prod(int(size) for size in mine)
            for end in (name, to):
                path = split(end)[0]
                analysis.level(path[:-1]).tied.add(path[-1])
            continue
        if why:
            wrong.append((split(name)[0][0], f"The tie {name} = {to}: {why}"))
    return wrong, shared


def renamed(ties: dict[str, str], level: list[str], old: str, new: str) -> dict[str, str]:
    """The ties once the block ``old`` at ``level`` (group ids) is called ``new``: names through it follow."""
    before, after = ".".join([*level, old]) + ".", ".".join([*level, new]) + "."

    def follow(name: str) -> str:
        return after + name[len(before) :] if name.startswith(before) else name

    return {follow(name): follow(to) for name, to in ties.items()}


def loose(graph: Graph) -> dict[str, str]:
    """The ties one of whose blocks is gone (deleted, or moved into or out of a group)."""
    return {
        name: to for name, to in graph.ties.items() if any(find(graph, split(end)[0])[0] is None for end in (name, to))
    }
