"""Convolutions, pooling and resizing."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch.nn.functional as F
from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, NoBlock, builds, inverts, one_or_all

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
    changed = {"ceil_mode": False, "dilation": 1, "count_include_pad": True}  # torch's defaults, written only when not
    kwargs |= {k: p[k] for k, default in changed.items() if k in p and p[k] != default}
    return [e.module(block.id, CLASSES[block.type], kwargs, tuple(ins))]


@builds("adaptive_avg_pool2d", "adaptive_max_pool2d")
def _adaptive(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"output_size": (p["output_height"], p["output_width"])}
    return [e.module(block.id, CLASSES[block.type], kwargs, tuple(ins))]


@builds("upsample")
def _upsample(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {"scale_factor": float(p["scale_factor"]), "mode": p["mode"]}
    return [e.module(block.id, nn.Upsample, kwargs, tuple(ins))]


@inverts(nn.Conv1d, nn.Conv2d)
def _conv_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    padding = m.padding if isinstance(m.padding, str) else one_or_all(m.padding)
    params: dict[str, Any] = {
        k: one_or_all(getattr(m, k)) for k in CONV_KEYS if k not in ("padding", "padding_mode", "groups")
    }
    params |= {"padding": padding, "groups": m.groups, "padding_mode": m.padding_mode, "bias": m.bias is not None}
    return _type_of(m), params


@inverts(nn.ConvTranspose1d, nn.ConvTranspose2d)
def _deconv_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    if m.groups != 1 or set(m.dilation) != {1} or m.padding_mode != "zeros":
        raise NoBlock("groups, dilation and padding modes of a transposed convolution have no block")
    params = {k: one_or_all(getattr(m, k)) for k in TRANSPOSE_KEYS if k != "bias"}
    return _type_of(m), params | {"bias": m.bias is not None}


@inverts(nn.MaxPool1d, nn.AvgPool1d, nn.MaxPool2d, nn.AvgPool2d)
def _pool_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    if getattr(m, "return_indices", False):
        raise NoBlock("return_indices of a pooling layer has no block")
    average = isinstance(m, (nn.AvgPool1d, nn.AvgPool2d))
    if average and m.divisor_override:
        raise NoBlock("divisor_override has no block")
    keys = ("kernel_size", "stride", "padding") + (() if average else ("dilation",))
    sizes = {k: one_or_all(_tuple(getattr(m, k))) for k in keys}
    if sizes["stride"] == sizes["kernel_size"]:
        sizes["stride"] = 0  # the block's way of saying torch's default, the window's size
    if any(isinstance(size, list) for size in sizes.values()):
        raise NoBlock("a pooling window that is not square has no block")
    extra = {"count_include_pad": m.count_include_pad} if average else {}
    return _type_of(m), sizes | {"ceil_mode": m.ceil_mode} | extra


_MAX_ARGS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
_AVG_ARGS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
FUNCTIONAL_POOLS = {
    F.max_pool1d: (nn.MaxPool1d, _MAX_ARGS),
    F.max_pool2d: (nn.MaxPool2d, _MAX_ARGS),
    F.avg_pool1d: (nn.AvgPool1d, _AVG_ARGS[:-1]),
    F.avg_pool2d: (nn.AvgPool2d, _AVG_ARGS),
}


@inverts(*FUNCTIONAL_POOLS)
def _functional_pool_back(call: Call) -> tuple[str, dict[str, Any]]:
    """``F.avg_pool2d(x, 4)``: the pooling layer with the same arguments."""
    cls, names = FUNCTIONAL_POOLS[call.target]
    arguments = dict(zip(names, call.args[1:], strict=False)) | call.kwargs
    return _pool_back(dataclasses.replace(call, target=cls(**arguments)))


@inverts(nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
def _adaptive_back(call: Call) -> tuple[str, dict[str, Any]]:
    if getattr(call.target, "return_indices", False):
        raise NoBlock("return_indices has no block")
    height, width = call.out[-2:]
    return _type_of(call.target), {"output_height": height, "output_width": width}


FUNCTIONAL_ADAPTIVE = {F.adaptive_avg_pool2d: nn.AdaptiveAvgPool2d, F.adaptive_max_pool2d: nn.AdaptiveMaxPool2d}


@inverts(*FUNCTIONAL_ADAPTIVE)
def _functional_adaptive_back(call: Call) -> tuple[str, dict[str, Any]]:
    """``F.adaptive_avg_pool2d(x, 1)``: the adaptive pooling layer to the same output size."""
    if call.arg(2, "return_indices", False):
        raise NoBlock("return_indices has no block")
    layer = FUNCTIONAL_ADAPTIVE[call.target](tuple(call.out[-2:]))
    return _adaptive_back(dataclasses.replace(call, target=layer))


SHUFFLES = {
    "pixel_shuffle": (nn.PixelShuffle, "upscale_factor"),
    "pixel_unshuffle": (nn.PixelUnshuffle, "downscale_factor"),
}


@builds(*SHUFFLES)
def _shuffle(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    cls, factor = SHUFFLES[block.type]
    return [e.module(block.id, cls, {factor: p[factor]}, tuple(ins))]


@inverts(nn.PixelShuffle, nn.PixelUnshuffle, F.pixel_shuffle, F.pixel_unshuffle)
def _shuffle_back(call: Call) -> tuple[str, dict[str, Any]]:
    kind = "pixel_shuffle" if call.target in (nn.PixelShuffle, F.pixel_shuffle) else "pixel_unshuffle"
    if isinstance(call.target, nn.Module):
        kind = next(name for name, (cls, _) in SHUFFLES.items() if type(call.target) is cls)
        return kind, {SHUFFLES[kind][1]: getattr(call.target, SHUFFLES[kind][1])}
    return kind, {SHUFFLES[kind][1]: call.arg(1, SHUFFLES[kind][1])}


@inverts(nn.Upsample)
def _upsample_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    factor = m.scale_factor
    if m.size is not None or m.mode not in ("nearest", "bilinear") or m.align_corners:
        raise NoBlock("only a whole scale_factor, nearest or bilinear, has a block")
    factor = factor[0] if isinstance(factor, tuple) and len(set(factor)) == 1 else factor
    if not isinstance(factor, (int, float)) or not float(factor).is_integer():
        raise NoBlock(f"scale_factor {factor} is not one whole number")
    return "upsample", {"scale_factor": int(factor), "mode": m.mode}


def _tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _type_of(module: nn.Module) -> str:
    return next(name for name, cls in CLASSES.items() if type(module) is cls)
