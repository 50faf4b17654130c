"""Fully connected layers and the helpers that go with them."""

from __future__ import annotations

import math
from typing import Any

from playground.core.blocks.rules import (
    BIAS,
    bad_param,
    bias_count,
    expect_rank,
    expect_size,
    fixed,
    float_param,
    int_param,
    size_param,
    unchanged,
)
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, Shape, ShapeError, format_shape, register


def _linear(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    if len(x) < 2:
        raise ShapeError(f"expects at least (batch, features) but receives {format_shape(x)}", 0)
    hint = "or add a Flatten before it" if len(x) > 2 else ""
    expect_size(fixed(x, -1), params["in_features"], "input features", "in_features", hint)
    return [(*x[:-1], params["out_features"])]


def _linear_count(params: dict[str, Any], ins: list[Shape]) -> int:
    return int(params["in_features"] * params["out_features"]) + bias_count(params, params["out_features"])


def _linear_weights(params: dict[str, Any]) -> dict[str, Shape]:
    out = params["out_features"]
    return {"weight": (out, params["in_features"])} | ({"bias": (out,)} if params["bias"] else {})


register(
    BlockSpec(
        type="linear",
        title="Linear",
        category="Dense",
        description="Multiplies the features by a learned weight matrix and adds a bias: y = Wx + b.",
        infer=_linear,
        count=_linear_count,
        weights=_linear_weights,
        params=(
            size_param("in_features", 2, "Number of input features (last dimension)", -1),
            int_param("out_features", 8, "Number of output features (neurons)"),
            BIAS,
        ),
        inputs=(PortSpec("in"),),
        aliases=("dense", "fully_connected"),
        key_params=("in_features", "out_features"),
    )
)


register(
    BlockSpec(
        type="identity",
        title="Identity",
        category="Dense",
        description="Passes its input through unchanged; handy as a named tap or a residual branch.",
        infer=unchanged,
        inputs=(PortSpec("in", dtype="any"),),
        outputs=(PortSpec("out", dtype="any"),),
    )
)


def _gcn(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    x, adj = ins
    expect_rank(x, (2,), "one row of features per node")
    expect_rank(adj, (2,), "an adjacency matrix, nodes x nodes", port=1)
    if adj[0] != adj[1]:
        raise ShapeError(f"needs a square adjacency matrix but receives {format_shape(adj)}", 1)
    if adj[0] != x[0]:
        raise ShapeError(
            f"has {x[0]} nodes in its features but an adjacency matrix for {adj[0]}: use the same graph", 1
        )
    expect_size(fixed(x, 1), params["in_features"], "node features", "in_features")
    return [(x[0], params["out_features"])]


register(
    BlockSpec(
        type="gcn_conv",
        title="Graph convolution",
        category="Graph",
        description="Each node mixes its neighbours' features through a learned matrix (GCN): A_hat X W + b.",
        infer=_gcn,
        count=_linear_count,
        params=(
            size_param("in_features", 34, "Features per node coming in", 1),
            int_param("out_features", 16, "Features per node going out"),
            BIAS,
        ),
        inputs=(PortSpec("x", "node features"), PortSpec("adjacency", "normalised adjacency matrix")),
        aliases=("gcn", "graph_conv"),
        key_params=("in_features", "out_features"),
        rule="node features (nodes, in_features) and adjacency (nodes, nodes) → (nodes, out_features)",
        example=(("N", 34), ("N", "N")),  # the batch is the graph's nodes
    )
)


def _parameter(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (like,) = ins
    stored, view = params["shape"], params["view"]
    if any(size < 1 for size in (*stored, *view)) or not stored:
        raise bad_param("shape and view need sizes of at least 1")
    if math.prod(stored) != math.prod(view):
        raise bad_param(
            f"view {list(view)} holds {math.prod(view)} values but shape {list(stored)} holds {math.prod(stored)}"
        )
    return [(like[0], *view)]


register(
    BlockSpec(
        type="parameter",
        title="Parameter",
        category="Dense",
        description=(
            "A learned tensor used as it is, outside a layer: a ViT's class token and position table, a "
            "ConvNeXt's layer scale; the same for every example of the batch (its input only gives the batch)."
        ),
        infer=_parameter,
        count=lambda p, ins: math.prod(p["shape"]),
        params=(
            ParamSpec("shape", "ints", [1, 8], "The tensor's shape as torch stores it (its state_dict)", min=1),
            ParamSpec("view", "ints", [1, 8], "Its shape for each example, as the wire carries it", min=1),
            ParamSpec("init", "choice", "normal", "Its starting values", choices=("normal", "zeros", "ones")),
            float_param(
                "init_scale", 0.02, "The spread of normal, or the value of ones (1e-6 for layer scale)", 0, 1e6
            ),
        ),
        inputs=(PortSpec("batch", "any tensor of the batch: it gives the batch size", dtype="any"),),
        key_params=("view",),
        rule="(N, ...) → (N, *view)",
    )
)
