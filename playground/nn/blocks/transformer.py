"""torch.nn.MultiheadAttention and TransformerEncoderLayer as themselves (batch first), so a model
written with them comes in, and goes out, under torch's own parameter names (``attn.in_proj_weight``,
``encoder.self_attn.out_proj.weight``); and MatMul and Causal mask, attention written out by hand."""

from __future__ import annotations

import operator
from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, NoBlock, builds, inverts
from playground.nn.blocks.modules import CausalMask

MULTIHEAD = ("embed_dim", "num_heads", "dropout", "bias", "kdim", "vdim")
ENCODER = ("d_model", "dim_feedforward", "dropout", "activation", "layer_norm_eps", "norm_first", "bias")


@builds("multihead_attention")
def _multihead(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in MULTIHEAD} | {"batch_first": True}
    both = e.module(block.id, nn.MultiheadAttention, kwargs, tuple(ins), name=f"{block.id}_both")
    both.kwargs = {"need_weights": False}
    return [e.function(block.id, operator.getitem, (both, 0))]


@builds("transformer_encoder_layer")
def _encoder_layer(
    e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]
) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ENCODER} | {"nhead": p["num_heads"], "batch_first": True}
    return [e.module(block.id, nn.TransformerEncoderLayer, kwargs, tuple(ins))]


@inverts(nn.MultiheadAttention)
def _multihead_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    if not m.batch_first or m.bias_k is not None or m.add_zero_attn:
        raise NoBlock("only a batch-first MultiheadAttention without add_bias_kv or add_zero_attn has a block")
    if len(call.args) != 3 or any(call.kwargs.get(k) is not None for k in ("key_padding_mask", "attn_mask")):
        raise NoBlock("a mask has no block (query, key and value have)")
    if call.kwargs.get("is_causal"):
        raise NoBlock("is_causal has no block here: Self-attention's causal switch has")
    return "multihead_attention", {
        "embed_dim": m.embed_dim,
        "num_heads": m.num_heads,
        "dropout": m.dropout,
        "bias": m.in_proj_bias is not None,
        "kdim": m.kdim,
        "vdim": m.vdim,
    }


ACTIVATIONS = {1: "relu", 2: "gelu"}  # torch's activation_relu_or_gelu: "relu", F.relu, nn.ReLU(), ...


@inverts(nn.TransformerEncoderLayer)
def _encoder_layer_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    if not m.self_attn.batch_first or len(call.args) != 1 or any(v for v in call.kwargs.values()):
        raise NoBlock("only a batch-first TransformerEncoderLayer called without masks has a block")
    if m.activation_relu_or_gelu not in ACTIVATIONS:
        raise NoBlock(f"the activation {m.activation!r} has no block (relu and gelu have)")
    return "transformer_encoder_layer", {
        "d_model": m.self_attn.embed_dim,
        "num_heads": m.self_attn.num_heads,
        "dim_feedforward": m.linear1.out_features,
        "dropout": m.dropout.p,
        "activation": ACTIVATIONS[m.activation_relu_or_gelu],
        "layer_norm_eps": m.norm1.eps,
        "norm_first": m.norm_first,
        "bias": m.linear1.bias is not None,
    }


@builds("matmul")
def _matmul(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.function(block.id, torch.matmul, tuple(ins))]


@inverts(operator.matmul, torch.matmul, "matmul", torch.bmm, "bmm")
def _matmul_back(call: Call) -> tuple[str, dict[str, Any]]:
    if len(call.shapes) != 2 or call.kwargs.get("out") is not None:
        raise NoBlock("only a product of two tensors has a block")
    if any(len(shape) < 3 for shape in call.shapes):
        raise NoBlock("a product with a matrix of weights (not a batch of them) has no block: use a Linear")
    return "matmul", {}


@builds("causal_mask")
def _causal_mask(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, CausalMask, {"fill": p["fill"]}, tuple(ins))]


@inverts(CausalMask)
def _causal_mask_back(call: Call) -> tuple[str, dict[str, Any]]:
    fill = call.target.fill
    return "causal_mask", {"fill": None if fill == float("-inf") else fill}
