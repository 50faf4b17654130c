"""Normalisation and dropout."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.blocks.norm import normalized_shape
from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds

RUNNING = {"batch_norm1d": nn.BatchNorm1d, "batch_norm2d": nn.BatchNorm2d, "instance_norm2d": nn.InstanceNorm2d}


@builds(*RUNNING)
def _running(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ("num_features", "eps", "momentum", "affine") if k in p}
    return [e.module(block.id, RUNNING[block.type], kwargs, tuple(ins))]


@builds("group_norm")
def _groupnorm(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ("num_groups", "num_channels", "eps", "affine")}
    return [e.module(block.id, nn.GroupNorm, kwargs, tuple(ins))]


@builds("layer_norm")
def _layernorm(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {
        "normalized_shape": normalized_shape(p, shapes[0]),
        "eps": p["eps"],
        "elementwise_affine": p["elementwise_affine"],
    }
    return [e.module(block.id, nn.LayerNorm, kwargs, tuple(ins))]


@builds("dropout")
def _dropout(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, nn.Dropout, {"p": p["p"]}, tuple(ins))]
