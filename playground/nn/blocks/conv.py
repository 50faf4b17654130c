"""Convolutions, pooling and resizing."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds

CONV_KEYS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "bias")
CONV_CLASSES = {"conv1d": nn.Conv1d, "conv2d": nn.Conv2d}


@builds("conv1d", "conv2d")
def _conv(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    cls = CONV_CLASSES[block.type]
    return [e.module(block.id, cls, {k: p[k] for k in CONV_KEYS}, tuple(ins))]


@builds("conv_transpose2d")
def _deconv(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in (*CONV_KEYS, "output_padding")}
    return [e.module(block.id, nn.ConvTranspose2d, kwargs, tuple(ins))]


@builds("max_pool2d", "avg_pool2d")
def _pool(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    cls = nn.MaxPool2d if block.type == "max_pool2d" else nn.AvgPool2d
    kwargs = {"kernel_size": p["kernel_size"], "stride": p["stride"] or p["kernel_size"], "padding": p["padding"]}
    return [e.module(block.id, cls, kwargs, tuple(ins))]


@builds("adaptive_avg_pool2d")
def _adaptive(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"output_size": (p["output_height"], p["output_width"])}
    return [e.module(block.id, nn.AdaptiveAvgPool2d, kwargs, tuple(ins))]


@builds("upsample")
def _upsample(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"scale_factor": float(p["scale_factor"]), "mode": p["mode"]}
    return [e.module(block.id, nn.Upsample, kwargs, tuple(ins))]
