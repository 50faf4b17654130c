"""Convolutions, pooling and resizing for signals and images."""

from __future__ import annotations

from typing import Any

from playground.core.blocks.rules import (
    BIAS,
    bad_param,
    bias_count,
    expect_rank,
    expect_size,
    fixed,
    int_param,
    out_size,
    positive,
    size_param,
)
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, Shape, register

IN_CHANNELS = size_param("in_channels", 1, "Channels coming in", 1)
OUT_CHANNELS = int_param("out_channels", 8, "Filters, i.e. channels going out")
KERNEL = int_param("kernel_size", 3, "Width (and height) of each filter", high=64)
STRIDE = int_param("stride", 1, "Step between filter positions", high=64)
PADDING = int_param("padding", 0, "Zeros added on each border", low=0, high=64)
CONV_PARAMS = (IN_CHANNELS, OUT_CHANNELS, KERNEL, STRIDE, PADDING, BIAS)
IMAGE = PortSpec("in", "images (batch, channels, height, width)")


def _channels(x: Shape, params: dict[str, Any]) -> None:
    expect_size(fixed(x, 1), params["in_channels"], "input channels", "in_channels")


def _spatial(x: Shape, params: dict[str, Any], first: int) -> list[int]:
    k, s, p = params["kernel_size"], params["stride"], params["padding"]
    sizes = [out_size(fixed(x, axis), k, s, p) for axis in range(first, len(x))]
    for size in sizes:
        positive(size, "output")
    return sizes


def _conv1d(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (3,), "(batch, channels, length)")
    _channels(x, params)
    return [(x[0], params["out_channels"], *_spatial(x, params, 2))]


def _conv2d(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,), "add a Reshape to (channels, height, width) first")
    _channels(x, params)
    return [(x[0], params["out_channels"], *_spatial(x, params, 2))]


def _conv_count(dims: int):
    def count(params: dict[str, Any], ins: list[Shape]) -> int:
        weights = params["in_channels"] * params["out_channels"] * params["kernel_size"] ** dims
        return weights + bias_count(params, params["out_channels"])

    return count


register(
    BlockSpec(
        type="conv1d",
        title="Conv1d",
        category="Convolution",
        description="Slides learned filters along a sequence and outputs one channel per filter.",
        infer=_conv1d,
        count=_conv_count(1),
        params=CONV_PARAMS,
        inputs=(PortSpec("in", "signals (batch, channels, length)"),),
        key_params=("out_channels", "kernel_size"),
    )
)

register(
    BlockSpec(
        type="conv2d",
        title="Conv2d",
        category="Convolution",
        description="Slides learned filters over an image and outputs one feature map per filter.",
        infer=_conv2d,
        count=_conv_count(2),
        params=CONV_PARAMS,
        inputs=(IMAGE,),
        aliases=("conv",),
        key_params=("out_channels", "kernel_size"),
    )
)


def _conv_transpose2d(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,))
    _channels(x, params)
    k, s, p, op = params["kernel_size"], params["stride"], params["padding"], params["output_padding"]
    if op >= s:
        raise bad_param(f"output_padding ({op}) must be smaller than stride ({s})")
    sizes = [(fixed(x, axis) - 1) * s - 2 * p + k + op for axis in (2, 3)]
    for size in sizes:
        positive(size, "output")
    return [(x[0], params["out_channels"], *sizes)]


register(
    BlockSpec(
        type="conv_transpose2d",
        title="ConvTranspose2d",
        category="Convolution",
        description="A learned up-sampling: spreads each pixel over a filter-sized patch of a larger image.",
        infer=_conv_transpose2d,
        count=_conv_count(2),
        params=(
            IN_CHANNELS,
            OUT_CHANNELS,
            int_param("kernel_size", 2, "Width (and height) of each filter", high=64),
            int_param("stride", 2, "Up-sampling factor", high=64),
            PADDING,
            int_param("output_padding", 0, "Extra rows/columns added on one side", low=0, high=63),
            BIAS,
        ),
        inputs=(IMAGE,),
        aliases=("deconv2d",),
        key_params=("out_channels", "stride"),
    )
)


def _pool(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,))
    k, p = params["kernel_size"], params["padding"]
    if 2 * p > k:
        raise bad_param(f"padding ({p}) must be at most half of kernel_size ({k})")
    s = params["stride"] or k
    sizes = [out_size(fixed(x, axis), k, s, p) for axis in (2, 3)]
    for size in sizes:
        positive(size, "output")
    return [(x[0], x[1], *sizes)]


POOL_PARAMS = (
    int_param("kernel_size", 2, "Size of each pooling window", high=64),
    int_param("stride", 0, "Step between windows (0: same as kernel_size)", low=0, high=64),
    PADDING,
)

for _type, _title, _what in (("max_pool2d", "MaxPool2d", "largest"), ("avg_pool2d", "AvgPool2d", "average")):
    register(
        BlockSpec(
            type=_type,
            title=_title,
            category="Convolution",
            description=f"Shrinks each feature map by keeping the {_what} value of every small window.",
            infer=_pool,
            params=POOL_PARAMS,
            inputs=(IMAGE,),
            aliases=(_title.lower(),),
            key_params=("kernel_size",),
        )
    )


def _adaptive(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (4,))
    return [(x[0], x[1], params["output_height"], params["output_width"])]


register(
    BlockSpec(
        type="adaptive_avg_pool2d",
        title="AdaptiveAvgPool2d",
        category="Convolution",
        description="Averages each feature map down to a fixed size, whatever the image size.",
        infer=_adaptive,
        params=(
            int_param("output_height", 1, "Height of the result", high=4096),
            int_param("output_width", 1, "Width of the result", high=4096),
        ),
        inputs=(IMAGE,),
        key_params=("output_height", "output_width"),
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
