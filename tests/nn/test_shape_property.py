"""Property: for random valid graphs, inferred shapes and parameter counts equal real PyTorch's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import fx

from playground.core.graph import Block, Graph, Link
from playground.core.registry import all_specs
from playground.nn.compile import compile_graph
from playground.nn.export import example_inputs

Draw = Callable[[int, int], int]
Shape = tuple[int, ...]  # without the batch


@dataclass(frozen=True)
class Producer:
    type: str
    ranks: tuple[int, ...]
    make: Callable[[Shape, Draw], dict[str, Any]]
    dtype: str = "float"
    inputs: int = 1


def conv(s: Shape, d: Draw) -> dict:
    k = d(1, min(3, *s[1:]))
    return {"in_channels": s[0], "out_channels": d(1, 4), "kernel_size": k, "stride": d(1, 2), "padding": d(0, 1)}


def pool(s: Shape, d: Draw) -> dict:
    k = d(1, min(3, *s[1:]))
    return {"kernel_size": k, "stride": d(0, 2), "padding": d(0, k // 2)}


def deconv(s: Shape, d: Draw) -> dict:
    stride = d(1, 2)
    return {
        "in_channels": s[0],
        "out_channels": d(1, 3),
        "kernel_size": d(1, 3),
        "stride": stride,
        "padding": 0,
        "output_padding": d(0, stride - 1),
    }


def recurrent(s: Shape, d: Draw) -> dict:
    return {
        "input_size": s[1],
        "hidden_size": d(1, 6),
        "num_layers": d(1, 2),
        "bidirectional": bool(d(0, 1)),
        "output": ("sequence", "last")[d(0, 1)],
    }


def heads(s: Shape, d: Draw) -> int:
    options = [h for h in (1, 2, 3, 4) if s[-1] % h == 0]
    return options[d(0, len(options) - 1)]


def reshape(s: Shape, d: Draw) -> dict:
    total = 1
    for dim in s:
        total *= dim
    factors = [f for f in range(1, total + 1) if total % f == 0]
    first = factors[d(0, len(factors) - 1)]
    return {"shape": [first, -1] if d(0, 1) else [first, total // first]}


def any_dim(s: Shape, d: Draw) -> int:
    return d(1, len(s)) * (-1 if d(0, 1) else 1) if d(0, 1) else d(1, len(s))


ELEMENTWISE = ("relu", "tanh", "sigmoid", "gelu", "silu", "sin", "cos", "exp", "identity", "dropout")
PRODUCERS = [
    *(Producer(t, (1, 2, 3), lambda s, d: {}) for t in ELEMENTWISE),
    Producer("log", (1, 2, 3), lambda s, d: {}),
    Producer("leaky_relu", (1, 2, 3), lambda s, d: {"negative_slope": d(0, 5) / 10}),
    Producer("elu", (1, 2, 3), lambda s, d: {"alpha": d(1, 3) / 2}),
    Producer("softmax", (1, 2, 3), lambda s, d: {"dim": -d(1, len(s))}),
    Producer("log_softmax", (1, 2, 3), lambda s, d: {"dim": d(1, len(s))}),
    Producer("pow", (1, 2, 3), lambda s, d: {"exponent": float(d(1, 3))}),
    Producer("scale", (1, 2, 3), lambda s, d: {"init": d(-2, 2) / 2}),
    Producer("linear", (1, 2, 3), lambda s, d: {"in_features": s[-1], "out_features": d(1, 8), "bias": bool(d(0, 1))}),
    Producer("layer_norm", (1, 2, 3), lambda s, d: {"num_features": s[-1]}),
    Producer("batch_norm1d", (1, 2), lambda s, d: {"num_features": s[0]}),
    Producer("flatten", (1, 2, 3), lambda s, d: {}),
    Producer("reshape", (1, 2, 3), reshape),
    Producer("transpose", (2, 3), lambda s, d: {"dim0": 1, "dim1": -1}),
    Producer("permute", (2,), lambda s, d: {"dims": [0, 2, 1]}),
    Producer("slice", (1, 2, 3), lambda s, d: {"dim": 1, "start": 0, "length": d(1, s[0])}),
    Producer("select", (2, 3), lambda s, d: {"dim": d(1, len(s)), "index": -1}),
    Producer("conv1d", (2,), conv),
    Producer("conv2d", (3,), conv),
    Producer("conv_transpose2d", (3,), deconv),
    Producer("max_pool2d", (3,), pool),
    Producer("avg_pool2d", (3,), pool),
    Producer("adaptive_avg_pool2d", (3,), lambda s, d: {"output_height": d(1, 3), "output_width": d(1, 3)}),
    Producer("upsample", (3,), lambda s, d: {"scale_factor": d(1, 2), "mode": ("nearest", "bilinear")[d(0, 1)]}),
    Producer("batch_norm2d", (3,), lambda s, d: {"num_features": s[0]}),
    *(Producer(t, (2,), recurrent) for t in ("rnn", "lstm", "gru")),
    Producer(
        "self_attention", (2,), lambda s, d: {"embed_dim": s[1], "num_heads": heads(s, d), "causal": bool(d(0, 1))}
    ),
    Producer(
        "transformer_block",
        (2,),
        lambda s, d: {
            "d_model": s[1],
            "num_heads": heads(s, d),
            "dim_feedforward": d(1, 8),
            "causal": bool(d(0, 1)),
            "norm_first": bool(d(0, 1)),
        },
    ),
    Producer(
        "positional_encoding",
        (2,),
        lambda s, d: {"dim": s[1], "max_len": s[0] + d(0, 3), "kind": ("sinusoidal", "learned")[d(0, 1)]},
    ),
    Producer("embedding", (1, 2), lambda s, d: {"num_embeddings": 5, "embedding_dim": d(1, 6)}, dtype="long"),
    Producer("add", (1, 2, 3), lambda s, d: {"inputs": d(2, 3)}, inputs=0),
    Producer("multiply", (1, 2, 3), lambda s, d: {"inputs": d(2, 3)}, inputs=0),
    Producer("subtract", (1, 2, 3), lambda s, d: {}, inputs=2),
    Producer("reparameterize", (1, 2, 3), lambda s, d: {}, inputs=2),
    Producer("concat", (1, 2, 3), lambda s, d: {"inputs": d(2, 3), "dim": any_dim(s, d)}, inputs=0),
]
SPECIAL = {"input", "output", "gcn_conv"}


class Builder:
    def __init__(self, shape: Shape, dtype: str) -> None:
        self.graph = Graph()
        self.graph.add_block(Block("input_1", "input", {"shape": list(shape), "dtype": dtype}))
        self.current = "input_1"

    def add(self, type_name: str, params: dict[str, Any], inputs: int) -> None:
        block_id = self.graph.new_id(type_name)
        self.graph.add_block(Block(block_id, type_name, params))
        count = inputs or params.get("inputs", 2)
        for port in range(count):
            source = self.current
            if port:  # a second branch: the same tensor through a shape-keeping op
                source = self.graph.new_id("tanh")
                self.graph.add_block(Block(source, "tanh"))
                self.graph.connect(Link(self.current, 0, source, 0))
            self.graph.connect(Link(source, 0, block_id, port))
        self.current = block_id


def applicable(shape: Shape, dtype: str) -> list[Producer]:
    return [p for p in PRODUCERS if len(shape) in p.ranks and p.dtype == dtype]


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
        if block_id in seen:
            expected = tuple(3 if d == "N" else d for d in shapes[0])
            assert tuple(seen[block_id].shape) == expected, (block_id, compiled.code)
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
        analysis_shape = _current_shape(builder)
        options = applicable(analysis_shape, _current_dtype(builder))
        producer = draw(st.sampled_from(options))
        params = producer.make(analysis_shape, lambda lo, hi: draw(st.integers(lo, hi)))
        candidate = builder.graph.copy()
        current = builder.current
        builder.add(producer.type, params, producer.inputs)
        if _current_shape(builder) is None:  # a legal but degenerate draw (e.g. an empty output): undo it
            builder.graph, builder.current = candidate, current
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_inferred_shapes_and_counts_match_pytorch(graph: Graph) -> None:
    check(graph)


CANONICAL = {1: (6,), 2: (4, 6), 3: (2, 6, 6)}


@pytest.mark.parametrize("producer", PRODUCERS, ids=lambda p: p.type)
def test_each_block_type_compiles_with_the_inferred_shape(producer: Producer) -> None:
    shape = CANONICAL[producer.ranks[-1]] if producer.dtype == "float" else (4,)
    builder = Builder(shape, producer.dtype)
    builder.add(producer.type, producer.make(shape, lambda lo, hi: max(lo, min(hi, 2))), producer.inputs)
    builder.graph.add_block(Block("output_1", "output"))
    builder.graph.connect(Link(builder.current, 0, "output_1", 0))
    check(builder.graph)


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


def test_the_producers_cover_the_whole_catalogue() -> None:
    covered = {p.type for p in PRODUCERS} | SPECIAL
    assert covered == {spec.type for spec in all_specs()}
