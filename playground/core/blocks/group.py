"""Groups: a named block holding a network of its own, whose ports are the Group Input and Group Output
blocks inside it. Their shape rules live in core/shapes.py, which analyses a group's inside as a graph."""

from __future__ import annotations

from typing import Any

from playground.core.graph import GROUP, GROUP_INPUT, GROUP_OUTPUT, Block, Graph, Link
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, Shape, ShapeError, register

MAX_REPEAT = 64


def _outside(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    raise ShapeError("belongs inside a group, where it is one of the group's ports")


def _nothing(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    return []


register(
    BlockSpec(
        type=GROUP,
        title="Group",
        category="Groups",
        description=(
            "A network inside one block (double-click to open it): a residual stage, a transformer layer. "
            "It becomes a submodule, so its weights are named after it (layer1.conv1.weight)."
        ),
        infer=_nothing,
        params=(
            ParamSpec(
                "repeat",
                "int",
                1,
                "Copies in a row, each with its own weights, named 0, 1, ... (its output must fit its input)",
                min=1,
                max=MAX_REPEAT,
            ),
        ),
        key_params=("repeat",),
        outputs=(),
        rule="the shapes its inside gives; repeated, each copy must give what it takes",
    )
)

register(
    BlockSpec(
        type=GROUP_INPUT,
        title="Group Input",
        category="Groups",
        description="One input port of the group it is in: what the wire into that port carries.",
        infer=_outside,
        outputs=(PortSpec("out", "what enters the group here", dtype="any"),),
        rule="the shape of the wire into the group's port",
    )
)

register(
    BlockSpec(
        type=GROUP_OUTPUT,
        title="Group Output",
        category="Groups",
        description="One output port of the group it is in: what it receives leaves the group there.",
        infer=_nothing,
        inputs=(PortSpec("in", "what leaves the group here", dtype="any"),),
        outputs=(),
        rule="passes on what it receives",
    )
)


def starter_graph() -> Graph:
    """The inside of a new, empty group: one input wired straight to one output."""
    graph = Graph(nested=True)
    graph.add_block(Block("x", GROUP_INPUT, {}, 0.0, 0.0))
    graph.add_block(Block("y", GROUP_OUTPUT, {}, 320.0, 0.0))
    graph.connect(Link("x", 0, "y", 0))
    return graph
