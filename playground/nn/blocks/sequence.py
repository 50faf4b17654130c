"""Embeddings, positions, recurrent layers and attention."""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, NoBlock, builds, inverts
from playground.nn.blocks.modules import (
    CrossAttention,
    DotProductAttention,
    PositionalEncoding,
    SelfAttention,
    TransformerBlock,
)


@builds("embedding")
def _embedding(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ("num_embeddings", "embedding_dim", "padding_idx")}
    return [e.module(block.id, nn.Embedding, kwargs, tuple(ins))]


@builds("positional_encoding")
def _positional(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"dim": p["dim"], "max_len": p["max_len"], "learned": p["kind"] == "learned"}
    return [e.module(block.id, PositionalEncoding, kwargs, tuple(ins))]


RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@builds("rnn", "lstm", "gru")
def _recurrent(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    """torch's layer itself (batch first), so its weights have torch's names (``lstm.weight_ih_l0``).
    The state port is the top layer's final hidden state, both directions side by side when
    bidirectional (``cat(h_n[-2], h_n[-1])``, what a classifier reads; not the output's last step,
    whose backward half has seen one step); the output port is every step's output, or that state."""
    kwargs = {
        "input_size": p["input_size"],
        "hidden_size": p["hidden_size"],
        "num_layers": p["num_layers"],
        "batch_first": True,
        "dropout": p["dropout"],
        "bidirectional": p["bidirectional"],
    }
    if block.type == "rnn":
        kwargs["nonlinearity"] = p["nonlinearity"]
    both = e.module(block.id, RECURRENT[block.type], kwargs, tuple(ins), name=f"{block.id}_both")
    hidden = e.function(f"{block.id}_hidden", operator.getitem, (both, 1))  # (layers * directions, N, H)
    if block.type == "lstm":
        hidden = e.function(f"{block.id}_h_n", operator.getitem, (hidden, 0))  # of (h_n, c_n)
    last = p["output"] == "last"
    state_name = block.id if last else f"{block.id}_state"
    if p["bidirectional"]:
        halves = [e.function(f"{block.id}_h_n_{i}", operator.getitem, (hidden, i)) for i in (-2, -1)]
        state = e.function(state_name, torch.cat, (halves, 1))
    else:
        state = e.function(state_name, operator.getitem, (hidden, -1))
    return [state if last else e.function(block.id, operator.getitem, (both, 0)), state]


@builds("self_attention")
def _attention(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ("embed_dim", "num_heads", "causal", "dropout", "bias")}
    return [e.module(block.id, SelfAttention, kwargs, tuple(ins))]


@builds("cross_attention")
def _cross(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ("embed_dim", "kv_dim", "num_heads", "dropout", "bias")}
    return [e.module(block.id, CrossAttention, kwargs, tuple(ins))]


@builds("dot_product_attention")
def _dot_product(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, DotProductAttention, {"causal": p["causal"], "dropout": p["dropout"]}, tuple(ins))]


@builds("transformer_block")
def _transformer(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    keys = ("d_model", "num_heads", "dim_feedforward", "causal", "dropout", "norm_first", "activation")
    return [e.module(block.id, TransformerBlock, {k: p[k] for k in keys}, tuple(ins))]


@inverts(nn.Embedding)
def _embedding_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    if m.max_norm is not None or m.scale_grad_by_freq or m.sparse:
        raise NoBlock("max_norm, scale_grad_by_freq and sparse have no block")
    return "embedding", {
        "num_embeddings": m.num_embeddings,
        "embedding_dim": m.embedding_dim,
        "padding_idx": m.padding_idx,
    }


@inverts(PositionalEncoding)
def _positional_back(call: Call) -> tuple[str, dict[str, Any]]:
    table = call.target.weight  # (max_len, dim): learned (a parameter) or the fixed sinusoids (a buffer)
    kind = "learned" if isinstance(table, nn.Parameter) else "sinusoidal"
    return "positional_encoding", {"dim": table.shape[1], "max_len": table.shape[0], "kind": kind}


@inverts(nn.RNN, nn.LSTM, nn.GRU)
def _recurrent_back(call: Call) -> tuple[str, dict[str, Any]]:
    """The layer's block; which of its results the module reads is the importer's to follow."""
    m = call.target
    kind = type(m).__name__.lower()
    if not m.batch_first:
        raise NoBlock("batch_first=False has no block: the block reads (batch, steps, features)")
    projected = getattr(m, "proj_size", 0)
    if not m.bias or projected:
        raise NoBlock("bias=False and proj_size have no block")
    if len(call.args) + len(call.kwargs) > 1:
        raise NoBlock("a given initial state has no block: the block starts from zeros")
    params = {
        "input_size": m.input_size,
        "hidden_size": m.hidden_size,
        "num_layers": m.num_layers,
        "bidirectional": m.bidirectional,
        "output": "sequence",
        "dropout": m.dropout,
    }
    return kind, params | ({"nonlinearity": m.nonlinearity} if kind == "rnn" else {})


@inverts(SelfAttention, CrossAttention)
def _attention_back(call: Call) -> tuple[str, dict[str, Any]]:
    attention = call.target.attention  # (an exported copy of the class is not an instance of ours)
    params = {
        "embed_dim": attention.embed_dim,
        "num_heads": attention.num_heads,
        "dropout": attention.dropout,
        "bias": attention.in_proj_bias is not None,
    }
    if hasattr(call.target, "causal"):
        return "self_attention", params | {"causal": call.target.causal}
    return "cross_attention", params | {"kv_dim": attention.kdim}


@inverts(F.scaled_dot_product_attention, DotProductAttention)
def _dot_product_back(call: Call) -> tuple[str, dict[str, Any]]:
    if isinstance(call.target, nn.Module):
        return "dot_product_attention", {"causal": call.target.causal, "dropout": call.target.dropout}
    if call.arg(3, "attn_mask") is not None or call.kwargs.get("enable_gqa"):
        raise NoBlock("an attention mask tensor and grouped-query attention have no block (is_causal=True has)")
    if call.kwargs.get("scale") is not None:
        raise NoBlock("a scale other than 1/sqrt(features) has no block")
    return "dot_product_attention", {
        "causal": bool(call.arg(5, "is_causal", False)),
        "dropout": call.arg(4, "dropout_p", 0.0),
    }


@inverts(TransformerBlock)
def _transformer_back(call: Call) -> tuple[str, dict[str, Any]]:
    layer = call.target.layer
    return "transformer_block", {
        "d_model": layer.self_attn.embed_dim,
        "num_heads": layer.self_attn.num_heads,
        "dim_feedforward": layer.linear1.out_features,
        "causal": call.target.causal,
        "dropout": layer.dropout.p,
        "norm_first": layer.norm_first,
        "activation": "gelu" if layer.activation_relu_or_gelu == 2 else "relu",
    }
