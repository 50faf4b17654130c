"""Convolutions, pooling and resizing."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds

CONV_KEYS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "padding_mode")
TRANSPOSE_KEYS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "bias")
CLASSES = {
    "conv1d": nn.Conv1d,
    "conv2d": nn.Conv2d,
    "conv_transpose1d": nn.ConvTranspose1d,
    "conv_transpose2d": nn.ConvTranspose2d,
    "max_pool1d": nn.MaxPool1d,
    "avg_pool1d": nn.AvgPool1d,
    "max_pool2d": nn.MaxPool2d,
    "avg_pool2d": nn.AvgPool2d,
    "adaptive_avg_pool2d": nn.AdaptiveAvgPool2d,
    "adaptive_max_pool2d": nn.AdaptiveMaxPool2d,
}


def _axes(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@builds("conv1d", "conv2d")
def _conv(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: _axes(p[k]) for k in CONV_KEYS} | {"bias": p["bias"]}
    return [e.module(block.id, CLASSES[block.type], kwargs, tuple(ins))]


@builds("conv_transpose1d", "conv_transpose2d")
def _deconv(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, CLASSES[block.type], {k: p[k] for k in TRANSPOSE_KEYS}, tuple(ins))]


@builds("max_pool1d", "avg_pool1d", "max_pool2d", "avg_pool2d")
def _pool(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"kernel_size": p["kernel_size"], "stride": p["stride"] or p["kernel_size"], "padding": p["padding"]}
    return [e.module(block.id, CLASSES[block.type], kwargs, tuple(ins))]


@builds("adaptive_avg_pool2d", "adaptive_max_pool2d")
def _adaptive(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"output_size": (p["output_height"], p["output_width"])}
    return [e.module(block.id, CLASSES[block.type], kwargs, tuple(ins))]


@builds("upsample")
def _upsample(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"scale_factor": float(p["scale_factor"]), "mode": p["mode"]}
    return [e.module(block.id, nn.Upsample, kwargs, tuple(ins))]
