"""Embeddings, positions, recurrent layers and attention."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds
from playground.nn.blocks.modules import PositionalEncoding, Recurrent, SelfAttention, TransformerBlock


@builds("embedding")
def _embedding(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"num_embeddings": p["num_embeddings"], "embedding_dim": p["embedding_dim"]}
    return [e.module(block.id, nn.Embedding, kwargs, tuple(ins))]


@builds("positional_encoding")
def _positional(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"dim": p["dim"], "max_len": p["max_len"], "learned": p["kind"] == "learned"}
    return [e.module(block.id, PositionalEncoding, kwargs, tuple(ins))]


@builds("rnn", "lstm", "gru")
def _recurrent(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {
        "kind": block.type,
        "input_size": p["input_size"],
        "hidden_size": p["hidden_size"],
        "num_layers": p["num_layers"],
        "bidirectional": p["bidirectional"],
        "last": p["output"] == "last",
    }
    return [e.module(block.id, Recurrent, kwargs, tuple(ins))]


@builds("self_attention")
def _attention(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"embed_dim": p["embed_dim"], "num_heads": p["num_heads"], "causal": p["causal"], "dropout": p["dropout"]}
    return [e.module(block.id, SelfAttention, kwargs, tuple(ins))]


@builds("transformer_block")
def _transformer(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    keys = ("d_model", "num_heads", "dim_feedforward", "causal", "dropout", "norm_first")
    return [e.module(block.id, TransformerBlock, {k: p[k] for k in keys}, tuple(ins))]
