"""Normalisation and dropout."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds


@builds("batch_norm1d", "batch_norm2d")
def _batchnorm(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    cls = nn.BatchNorm1d if block.type == "batch_norm1d" else nn.BatchNorm2d
    return [e.module(block.id, cls, {"num_features": p["num_features"], "momentum": p["momentum"]}, tuple(ins))]


@builds("layer_norm")
def _layernorm(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, nn.LayerNorm, {"normalized_shape": p["num_features"]}, tuple(ins))]


@builds("dropout")
def _dropout(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, nn.Dropout, {"p": p["p"]}, tuple(ins))]
