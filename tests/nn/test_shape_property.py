"""Property: for random valid graphs, inferred shapes and parameter counts equal real PyTorch's."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import fx

from playground.core.graph import Block, Graph, Link
from playground.core.param_kinds import Draw
from playground.core.registry import AUTO, ParamSpec, all_specs, get_spec
from playground.nn.compile import compile_graph
from playground.nn.export import example_inputs

Shape = tuple[int, ...]  # without the batch


def draw_value(param: ParamSpec, d: Draw) -> Any:
    """A value for ``param`` drawn from its ParamSpec alone: sizes that may be "auto" take it, numbers
    come from a small part of their range, choices and switches from what they allow."""
    if param.infer_from is not None:
        return AUTO
    if param.optional and d(0, 1):
        return None
    return param.handler.draw(param, d)


def reshape(s: Shape, d: Draw) -> dict:
    total = 1
    for dim in s:
        total *= dim
    factors = [f for f in range(1, total + 1) if total % f == 0]
    first = factors[d(0, len(factors) - 1)]
    return {"shape": [first, -1] if d(0, 1) else [first, total // first]}


def permute(s: Shape, d: Draw) -> dict:
    order = list(range(1, len(s) + 1))
    if d(0, 1):
        order.reverse()
    return {"dims": [0, *order]}


# Parameters a random draw cannot make fit (a list of sizes that multiply to the input's): drawn
# from the shape. Every other parameter of every block is drawn from its ParamSpec.
STRUCTURAL: dict[str, Callable[[Shape, Draw], dict[str, Any]]] = {"reshape": reshape, "permute": permute}
SPECIAL = {
    "input",
    "output",
    "gcn_conv",
    "group",
    "group_input",
    "group_output",
}  # gcn_conv: its own test below; groups: test_groups.py
TYPES = sorted(spec.type for spec in all_specs() if spec.type not in SPECIAL)


def draw_params(type_name: str, shape: Shape, d: Draw) -> dict[str, Any]:
    spec = get_spec(type_name)
    params = {p.name: draw_value(p, d) for p in spec.params}
    params.update(STRUCTURAL.get(type_name, lambda s, d: {})(shape, d))
    return params


class Builder:
    def __init__(self, shape: Shape, dtype: str) -> None:
        self.graph = Graph()
        self.graph.add_block(Block("input_1", "input", {"shape": list(shape), "dtype": dtype}))
        self.current = "input_1"

    def add(self, type_name: str, params: dict[str, Any]) -> None:
        block_id = self.graph.new_id(type_name)
        self.graph.add_block(Block(block_id, type_name, params))
        spec = get_spec(type_name)
        ports = spec.input_ports({**spec.defaults(), **params})
        for port in range(sum(not p.optional for p in ports)):
            source = self.current
            if port:  # a second branch: the same tensor through a shape-keeping op
                source = self.graph.new_id("tanh")
                self.graph.add_block(Block(source, "tanh"))
                self.graph.connect(Link(self.current, 0, source, 0))
            self.graph.connect(Link(source, 0, block_id, port))
        self.current = block_id


def add_valid(builder: Builder, type_name: str, d: Draw, tries: int = 30) -> bool:
    """Add a block of ``type_name`` with parameters drawn until the shape rules accept them."""
    shape = _current_shape(builder)
    for _ in range(tries):
        candidate, current = builder.graph.copy(), builder.current
        builder.add(type_name, draw_params(type_name, shape, d))
        if _current_shape(builder) is not None:
            return True
        builder.graph, builder.current = candidate, current
    return False


def check(graph: Graph) -> None:
    compiled = compile_graph(graph)
    module = compiled.module.eval()
    seen: dict[str, torch.Tensor] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, node: fx.Node) -> Any:
            value = super().run_node(node)
            seen[node.name] = value
            return value

    inputs = example_inputs(compiled, batch=3)
    with torch.no_grad():
        Recorder(module).run(*inputs)
    analysis = compiled.analysis
    for block_id, shapes in analysis.shapes.items():
        for port, shape in enumerate(shapes):
            node = compiled.nodes[block_id][port].name
            if node in seen:
                expected = tuple(3 if d == "N" else d for d in shape)
                assert tuple(seen[node].shape) == expected, (block_id, port, compiled.code)
    for name, child in module.named_children():
        assert analysis.param_counts[name] == sum(p.numel() for p in child.parameters()), name
    assert analysis.total_params == sum(p.numel() for p in module.parameters())


@st.composite
def random_graphs(draw: st.DrawFn) -> Graph:
    rank = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from(["float", "float", "long"])) if rank == 1 else "float"
    shape = tuple(draw(st.integers(1, 6)) for _ in range(rank))
    builder = Builder(shape, dtype)
    for _ in range(draw(st.integers(1, 6))):
        add_valid(builder, draw(st.sampled_from(TYPES)), lambda lo, hi: draw(st.integers(lo, hi)), tries=25)
    builder.graph.add_block(Block("output_1", "output"))
    builder.graph.connect(Link(builder.current, 0, "output_1", 0))
    return builder.graph


def _analysis(builder: Builder):
    from playground.core.shapes import analyse

    return analyse(builder.graph)


def _current_shape(builder: Builder) -> Shape | None:
    shapes = _analysis(builder).shapes.get(builder.current)
    return tuple(shapes[0][1:]) if shapes else None


def _current_dtype(builder: Builder) -> str:
    return _analysis(builder).dtypes[builder.current][0]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_inferred_shapes_and_counts_match_pytorch(graph: Graph) -> None:
    check(graph)


CANONICAL = [((6,), "float"), ((4, 6), "float"), ((2, 6, 6), "float"), ((4,), "long"), ((4, 6), "long")]


@pytest.mark.parametrize("type_name", TYPES)
def test_each_block_type_compiles_with_the_inferred_shape(type_name: str) -> None:
    """Every block of the catalogue, with parameters drawn from its ParamSpecs until its shape rule
    accepts them, on some input it takes: a new block needs nothing added here."""
    rng = random.Random(type_name)
    for attempt in range(400):
        shape, dtype = CANONICAL[attempt % len(CANONICAL)]
        builder = Builder(shape, dtype)
        if add_valid(builder, type_name, rng.randint, tries=1):
            builder.graph.add_block(Block("output_1", "output"))
            builder.graph.connect(Link(builder.current, 0, "output_1", 0))
            check(builder.graph)
            return
    pytest.fail(f"no drawn parameters of {type_name} fit any of the inputs {CANONICAL}")


def test_graph_convolution_matches_its_formula() -> None:
    graph = Graph()
    graph.add_block(Block("x", "input", {"shape": [3]}))
    graph.add_block(Block("adj", "input", {"shape": ["N"], "data": "adjacency"}))
    graph.add_block(Block("gcn_1", "gcn_conv", {"in_features": 3, "out_features": 2}))
    graph.add_block(Block("output_1", "output"))
    for link in (("x", 0, "gcn_1", 0), ("adj", 0, "gcn_1", 1), ("gcn_1", 0, "output_1", 0)):
        graph.connect(Link(*link))
    check(graph)
    compiled = compile_graph(graph)
    x, adj = torch.randn(5, 3), torch.rand(5, 5)
    gcn = compiled.module.gcn_1
    assert torch.allclose(compiled.module(x, adj), adj @ (x @ gcn.linear.weight.T) + gcn.bias, atol=1e-6)
