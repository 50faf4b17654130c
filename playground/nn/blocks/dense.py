"""Linear and graph convolution."""

from __future__ import annotations

from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, builds, inverts
from playground.nn.blocks.modules import GraphConv


@builds("linear")
def _linear(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"in_features": p["in_features"], "out_features": p["out_features"], "bias": p["bias"]}
    return [e.module(block.id, nn.Linear, kwargs, tuple(ins))]


@builds("gcn_conv")
def _gcn(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"in_features": p["in_features"], "out_features": p["out_features"], "bias": p["bias"]}
    return [e.module(block.id, GraphConv, kwargs, tuple(ins))]


INITS = {
    "normal": (torch.randn, "torch.randn"),
    "zeros": (torch.zeros, "torch.zeros"),
    "ones": (torch.ones, "torch.ones"),
}


@builds("parameter")
def _parameter(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    """The tensor, as each example sees it (``view``), expanded to the batch of the input."""
    make, spelled = INITS[p["init"]]
    scale = 1.0 if p["init"] == "zeros" else p["init_scale"]
    sizes = ", ".join(map(str, p["shape"]))
    made = f"{spelled}({sizes})" + (f" * {scale!r}" if scale != 1.0 else "")
    tensor = e.parameter(block.id, nn.Parameter(make(*p["shape"]) * scale), made)
    viewed = e.method(f"{block.id}_view", "reshape", (tensor, 1, *p["view"]))
    batch = e.method(f"{block.id}_batch", "size", (ins[0], 0))
    return [e.method(block.id, "expand", (viewed, batch, *p["view"]))]


@inverts(nn.Linear)
def _linear_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    return "linear", {"in_features": m.in_features, "out_features": m.out_features, "bias": m.bias is not None}


@inverts(GraphConv)
def _gcn_back(call: Call) -> tuple[str, dict[str, Any]]:
    linear = call.target.linear
    return "gcn_conv", {
        "in_features": linear.in_features,
        "out_features": linear.out_features,
        "bias": call.target.bias is not None,
    }
