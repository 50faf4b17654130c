"""Convolutions, pooling and resizing for signals (batch, channels, length) and images (batch,
channels, height, width), with torch.nn's options and its output-size rules."""

from __future__ import annotations

import math
from typing import Any

from playground.core.blocks.rules import (
    BIAS,
    bad_param,
    bias_count,
    bool_param,
    dims_param,
    expect_rank,
    expect_size,
    fixed,
    int_param,
    out_size,
    per_axis,
    positive,
    size_param,
)
from playground.core.registry import BlockSpec, CountFn, InferFn, ParamSpec, PortSpec, Shape, ShapeError, register

IN_CHANNELS = size_param("in_channels", 1, "Channels coming in", 1)
OUT_CHANNELS = int_param("out_channels", 8, "Filters, i.e. channels going out")
CONV_PARAMS = (
    IN_CHANNELS,
    OUT_CHANNELS,
    dims_param("kernel_size", 3, "Size of each filter: one number, or one per axis such as [3, 5]"),
    dims_param("stride", 1, "Step between filter positions (one number, or one per axis)"),
    dims_param(
        "padding",
        0,
        "Border added on each side: a number (or one per axis), 'same' (output as large as the input, "
        "stride 1 only) or 'valid' (none)",
        low=0,
        words=("same", "valid"),
    ),
    dims_param("dilation", 1, "Spacing between the filter's taps (1: next to each other)"),
    int_param("groups", 1, "Split channels into this many groups, each with its own filters (in_channels: depthwise)"),
    ParamSpec(
        "padding_mode",
        "choice",
        "zeros",
        "What the border holds: zeros, a mirror of the edge, the edge repeated, or the other side",
        choices=("zeros", "reflect", "replicate", "circular"),
    ),
    BIAS,
)
SIGNAL = PortSpec("in", "signals (batch, channels, length)")
IMAGE = PortSpec("in", "images (batch, channels, height, width)")
RANK_HINT = {1: "(batch, channels, length)", 2: "add a Reshape to (channels, height, width) first"}


def _groups(params: dict[str, Any]) -> None:
    groups = params["groups"]
    for name in ("in_channels", "out_channels"):
        if params[name] % groups:
            raise bad_param(f"{name} ({params[name]}) must be divisible by groups ({groups})")


def _check_mode(mode: str, pads: list[int] | tuple[int, ...], x: Shape) -> None:
    """torch pads by reflection only with less than the input's size, circularly with at most its size."""
    for axis, pad in enumerate(pads):
        size = fixed(x, 2 + axis)
        if mode == "reflect" and pad >= size:
            raise ShapeError("padding_mode reflect needs padding smaller than the input in every axis", 0)
        if mode == "circular" and pad > size:
            raise ShapeError("padding_mode circular needs padding no larger than the input in every axis", 0)


def _conv(axes: int) -> InferFn:
    def infer(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
        (x,) = ins
        expect_rank(x, (axes + 2,), RANK_HINT[axes])
        expect_size(fixed(x, 1), params["in_channels"], "input channels", "in_channels")
        _groups(params)
        kernel, stride, dilation = (per_axis(params, name, axes) for name in ("kernel_size", "stride", "dilation"))
        padding = params["padding"]
        if padding == "same":
            if any(s != 1 for s in stride):
                raise bad_param("padding 'same' needs stride 1 (torch.nn has no 'same' for strided convolutions)")
            widest = [(dilation[a] * (kernel[a] - 1) + 1) // 2 for a in range(axes)]  # the larger side's padding
            _check_mode(params["padding_mode"], widest, x)
            return [(x[0], params["out_channels"], *(fixed(x, 2 + a) for a in range(axes)))]
        pads = (0,) * axes if padding == "valid" else per_axis(params, "padding", axes)
        _check_mode(params["padding_mode"], pads, x)
        sizes = [out_size(fixed(x, 2 + a), kernel[a], stride[a], pads[a], dilation[a]) for a in range(axes)]
        for size in sizes:
            positive(size, "output")
        return [(x[0], params["out_channels"], *sizes)]

    return infer


def _conv_count(axes: int) -> CountFn:
    def count(params: dict[str, Any], ins: list[Shape]) -> int:
        kernel = math.prod(per_axis(params, "kernel_size", axes))
        weights = int(params["in_channels"] // params["groups"] * params["out_channels"] * kernel)
        return weights + bias_count(params, params["out_channels"])

    return count


for _axes, _port, _what, _aliases in ((1, SIGNAL, "along a sequence", ()), (2, IMAGE, "over an image", ("conv",))):
    register(
        BlockSpec(
            type=f"conv{_axes}d",
            title=f"Conv{_axes}d",
            category="Convolution",
            description=f"Slides learned filters {_what} and outputs one channel (feature map) per filter.",
            infer=_conv(_axes),
            count=_conv_count(_axes),
            params=CONV_PARAMS,
            inputs=(_port,),
            aliases=_aliases,
            key_params=("out_channels", "kernel_size"),
            rule="(N, in_channels, *size) → (N, out_channels, *out), per axis out = ⌊(size + 2·padding − "
            "dilation·(kernel_size − 1) − 1) / stride⌋ + 1; with padding 'same', out = size",
        )
    )


def _conv_transpose(axes: int) -> InferFn:
    def infer(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
        (x,) = ins
        expect_rank(x, (axes + 2,), RANK_HINT[axes])
        expect_size(fixed(x, 1), params["in_channels"], "input channels", "in_channels")
        k, s, p, op = params["kernel_size"], params["stride"], params["padding"], params["output_padding"]
        if op >= s:
            raise bad_param(f"output_padding ({op}) must be smaller than stride ({s})")
        sizes = [(fixed(x, axis) - 1) * s - 2 * p + k + op for axis in range(2, axes + 2)]
        for size in sizes:
            positive(size, "output")
        return [(x[0], params["out_channels"], *sizes)]

    return infer


def _transpose_count(axes: int) -> CountFn:
    def count(params: dict[str, Any], ins: list[Shape]) -> int:
        weights = int(params["in_channels"] * params["out_channels"] * params["kernel_size"] ** axes)
        return weights + bias_count(params, params["out_channels"])

    return count


TRANSPOSE_PARAMS = (
    IN_CHANNELS,
    OUT_CHANNELS,
    int_param("kernel_size", 2, "Width (and height) of each filter", high=64),
    int_param("stride", 2, "Up-sampling factor", high=64),
    int_param("padding", 0, "Rows/columns taken off each border of the result", low=0, high=64),
    int_param("output_padding", 0, "Extra rows/columns added on one side", low=0, high=63),
    BIAS,
)
for _axes, _port, _what in ((1, SIGNAL, "sample of a longer signal"), (2, IMAGE, "pixel over a larger image")):
    register(
        BlockSpec(
            type=f"conv_transpose{_axes}d",
            title=f"ConvTranspose{_axes}d",
            category="Convolution",
            description=f"A learned up-sampling: spreads each {_what} through a filter.",
            infer=_conv_transpose(_axes),
            count=_transpose_count(_axes),
            params=TRANSPOSE_PARAMS,
            inputs=(_port,),
            aliases=(f"deconv{_axes}d",),
            key_params=("out_channels", "stride"),
            rule="(N, in_channels, *size) → (N, out_channels, *out), per axis out = (size − 1)·stride − "
            "2·padding + kernel_size + output_padding",
        )
    )


def _pooled(size: int, kernel: int, stride: int, padding: int, ceil_mode: bool, dilation: int = 1) -> int:
    """torch's pooled size: with ceil_mode a last, partial window counts, if it starts inside the input."""
    if not ceil_mode:
        return out_size(size, kernel, stride, padding, dilation)
    out = math.ceil((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
    return out - 1 if (out - 1) * stride >= size + padding else out


def _pool(axes: int) -> InferFn:
    def infer(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
        (x,) = ins
        expect_rank(x, (axes + 2,), RANK_HINT[axes])
        k, p = params["kernel_size"], params["padding"]
        if 2 * p > k:
            raise bad_param(f"padding ({p}) must be at most half of kernel_size ({k})")
        s, ceil, d = params["stride"] or k, params.get("ceil_mode", False), params.get("dilation", 1)
        sizes = [_pooled(fixed(x, axis), k, s, p, ceil, d) for axis in range(2, axes + 2)]
        for size in sizes:
            positive(size, "output")
        return [(x[0], x[1], *sizes)]

    return infer


POOL_PARAMS = (
    int_param("kernel_size", 2, "Size of each pooling window", high=64),
    int_param("stride", 0, "Step between windows (0: same as kernel_size)", low=0, high=64),
    int_param("padding", 0, "Border added on each side (max pooling pads with -inf, average with zeros)", 0, 64),
    bool_param("ceil_mode", False, "Keep a last window that runs past the edge (sizes round up, as in GoogLeNet)"),
)
KIND_PARAMS = {
    "max": (int_param("dilation", 1, "Spacing between the values a window looks at (1: next to each other)", 1, 64),),
    "avg": (bool_param("count_include_pad", True, "Count the zeros of the padding in each window's average"),),
}

for _axes, _port in ((1, SIGNAL), (2, IMAGE)):
    for _kind, _what in (("max", "largest"), ("avg", "average")):
        _title = f"{_kind.capitalize()}Pool{_axes}d"
        register(
            BlockSpec(
                type=f"{_kind}_pool{_axes}d",
                title=_title,
                category="Convolution",
                description=f"Shrinks each channel by keeping the {_what} value of every small window.",
                infer=_pool(_axes),
                params=POOL_PARAMS + KIND_PARAMS[_kind],
                inputs=(_port,),
                aliases=(_title.lower(),),
                key_params=("kernel_size",),
                rule="(N, C, *size) → (N, C, *out), per axis out = ⌊(size + 2·padding − dilation·(kernel_size − 1) − 1) "
                "/ stride⌋ + 1 (⌈…⌉ with ceil_mode, less a window that would start in the padding)",
            )
        )


def _adaptive(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,))
    return [(x[0], x[1], params["output_height"], params["output_width"])]


for _kind, _what in (("avg", "Averages"), ("max", "Max-pools")):
    register(
        BlockSpec(
            type=f"adaptive_{_kind}_pool2d",
            title=f"Adaptive{_kind.capitalize()}Pool2d",
            category="Convolution",
            description=f"{_what} each feature map down to a fixed size, whatever the image size.",
            infer=_adaptive,
            params=(
                int_param("output_height", 1, "Height of the result", high=4096),
                int_param("output_width", 1, "Width of the result", high=4096),
            ),
            inputs=(IMAGE,),
            key_params=("output_height", "output_width"),
            rule="(N, C, H, W) → (N, C, output_height, output_width), whatever H and W",
        )
    )


def _upsample(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,))
    f = params["scale_factor"]
    return [(x[0], x[1], fixed(x, 2) * f, fixed(x, 3) * f)]


register(
    BlockSpec(
        type="upsample",
        title="Upsample",
        category="Convolution",
        description="Enlarges each feature map by a whole factor, repeating or interpolating pixels.",
        infer=_upsample,
        params=(
            int_param("scale_factor", 2, "How many times larger", high=32),
            ParamSpec("mode", "choice", "nearest", "Repeat pixels or blend them", choices=("nearest", "bilinear")),
        ),
        inputs=(IMAGE,),
        key_params=("scale_factor",),
    )
)


def _pixel_shuffle(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,), RANK_HINT[2])
    r = params["upscale_factor"]
    channels = fixed(x, 1)
    if channels % (r * r):
        raise ShapeError(f"needs channels divisible by upscale_factor² ({r * r}) but receives {channels}", 0)
    return [(x[0], channels // (r * r), *(fixed(x, axis) * r for axis in (2, 3)))]


def _pixel_unshuffle(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,), RANK_HINT[2])
    r = params["downscale_factor"]
    height, width = fixed(x, 2), fixed(x, 3)
    if height % r or width % r:
        raise ShapeError(f"needs height and width divisible by downscale_factor ({r}) but receives {height}x{width}", 0)
    return [(x[0], fixed(x, 1) * r * r, height // r, width // r)]


register(
    BlockSpec(
        type="pixel_shuffle",
        title="PixelShuffle",
        category="Convolution",
        description="Enlarges an image by moving groups of r² channels into r×r pixels (sub-pixel upsampling).",
        infer=_pixel_shuffle,
        params=(int_param("upscale_factor", 2, "How many times taller and wider (r)", high=16),),
        inputs=(IMAGE,),
        key_params=("upscale_factor",),
        rule="(N, C·r², H, W) → (N, C, H·r, W·r)",
    )
)
register(
    BlockSpec(
        type="pixel_unshuffle",
        title="PixelUnshuffle",
        category="Convolution",
        description="Shrinks an image by moving each r×r patch of pixels into r² channels (PixelShuffle backwards).",
        infer=_pixel_unshuffle,
        params=(int_param("downscale_factor", 2, "How many times shorter and narrower (r)", high=16),),
        inputs=(IMAGE,),
        key_params=("downscale_factor",),
        rule="(N, C, H·r, W·r) → (N, C·r², H, W)",
    )
)
