"""Normalisation and regularisation layers, with torch.nn's eps, momentum and affine options."""

from __future__ import annotations

import math
from typing import Any

from playground.core.blocks.rules import (
    bad_param,
    bool_param,
    expect_rank,
    expect_size,
    fixed,
    float_param,
    int_param,
    size_param,
    unchanged,
)
from playground.core.registry import BlockSpec, CountFn, InferFn, ParamSpec, PortSpec, Shape, ShapeError, register

NUM_FEATURES = size_param("num_features", 8, "Features (or channels) to normalise", 1)
MOMENTUM = float_param("momentum", 0.1, "How fast the running statistics follow each batch", 0.0, 1.0)
EPS = float_param("eps", 1e-5, "Added to the variance so that no division is by zero", 1e-12, 1.0)
AFFINE = bool_param("affine", True, "Learn a scale and a shift for every channel")
IN = (PortSpec("in"),)


def _channels(ranks: tuple[int, ...], param: str = "num_features") -> InferFn:
    def infer(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
        (x,) = ins
        expect_rank(x, ranks)
        expect_size(fixed(x, 1), params[param], "channels", param)
        return [x]

    return infer


def _affine_count(param: str) -> CountFn:
    def count(params: dict[str, Any], ins: list[Shape]) -> int:
        return 2 * int(params[param]) if params["affine"] else 0

    return count


for _axes, _ranks, _what in ((1, (2, 3), "every feature"), (2, (4,), "every channel of an image batch")):
    register(
        BlockSpec(
            type=f"batch_norm{_axes}d",
            title=f"BatchNorm{_axes}d",
            category="Normalisation",
            description=f"Rescales {_what} to zero mean and unit variance over the batch, then learns a scale and shift.",
            infer=_channels(_ranks),
            count=_affine_count("num_features"),
            params=(NUM_FEATURES, MOMENTUM, EPS, AFFINE),
            inputs=IN,
            aliases=(f"batchnorm{_axes}d",),
            key_params=("num_features",),
        )
    )


def _instance(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = _channels((4,))(params, ins)
    sizes = [d for d in x[2:] if isinstance(d, int)]
    if len(sizes) == 2 and math.prod(sizes) < 2:
        raise ShapeError("InstanceNorm2d needs images of more than one pixel (it normalises each one's pixels)", 0)
    return [x]


register(
    BlockSpec(
        type="instance_norm2d",
        title="InstanceNorm2d",
        category="Normalisation",
        description="Rescales every channel of each image on its own to zero mean and unit variance (style transfer).",
        infer=_instance,
        count=_affine_count("num_features"),
        params=(NUM_FEATURES, EPS, bool_param("affine", False, "Learn a scale and a shift for every channel")),
        inputs=IN,
        aliases=("instancenorm2d",),
        key_params=("num_features",),
    )
)


def _groupnorm(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (2, 3, 4, 5))
    expect_size(fixed(x, 1), params["num_channels"], "channels", "num_channels")
    if params["num_channels"] % params["num_groups"]:
        raise bad_param(
            f"num_channels ({params['num_channels']}) must be divisible by num_groups ({params['num_groups']})"
        )
    return [x]


register(
    BlockSpec(
        type="group_norm",
        title="GroupNorm",
        category="Normalisation",
        description="Rescales each example's channels, in groups, to zero mean and unit variance: no batch statistics.",
        infer=_groupnorm,
        count=_affine_count("num_channels"),
        params=(
            int_param(
                "num_groups", 2, "Groups the channels are split into (1: LayerNorm-like, channels: InstanceNorm-like)"
            ),
            size_param("num_channels", 8, "Channels coming in", 1),
            EPS,
            AFFINE,
        ),
        inputs=IN,
        aliases=("groupnorm",),
        key_params=("num_groups",),
    )
)


def normalized_shape(params: dict[str, Any], x: Shape) -> tuple[int, ...]:
    """The last ``dims`` sizes of ``x``: what a LayerNorm normalises over."""
    return tuple(fixed(x, axis) for axis in range(len(x) - params["dims"], len(x)))


def _layernorm(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    if params["dims"] >= len(x):
        raise ShapeError(
            f"normalises over the last {params['dims']} dimensions but receives {len(x)}-D data "
            f"(the batch is never normalised over): set dims to at most {len(x) - 1}",
            0,
        )
    expect_size(fixed(x, -1), params["num_features"], "features in the last dimension", "num_features")
    normalized_shape(params, x)
    return [x]


def _layernorm_count(params: dict[str, Any], ins: list[Shape]) -> int:
    per_value = 1 + params.get("bias", True) if params["elementwise_affine"] else 0
    return per_value * math.prod(normalized_shape(params, ins[0]))


register(
    BlockSpec(
        type="layer_norm",
        title="LayerNorm",
        category="Normalisation",
        description="Rescales the features of each example to zero mean and unit variance, then learns a scale and shift.",
        infer=_layernorm,
        count=_layernorm_count,
        params=(
            size_param("num_features", 32, "Size of the last dimension", -1),
            int_param("dims", 1, "How many trailing dimensions to normalise over together", high=4),
            EPS,
            bool_param("elementwise_affine", True, "Learn a scale and a shift for every normalised value"),
            bool_param("bias", True, "Learn the shift too (off: a scale alone, as nanoGPT may use)"),
        ),
        inputs=IN,
        aliases=("layernorm",),
        key_params=("num_features",),
    )
)


def _channel_dropout_shapes(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    """What torch's Dropout2d takes: an image batch (N, C, H, W), and, as torch still applies it (with a
    warning that it is deprecated), a batch of sequences (N, C, L) or of flat features (N, F)."""
    (x,) = ins
    expect_rank(x, (4, 3, 2), "an image batch (N, C, H, W)")
    return [x]


register(
    BlockSpec(
        type="dropout",
        title="Dropout",
        category="Normalisation",
        description="While training, zeroes a random fraction p of the values so no neuron can be relied on alone.",
        infer=unchanged,
        params=(float_param("p", 0.5, "Fraction of values dropped while training", 0.0, 0.99),),
        inputs=IN,
        key_params=("p",),
    )
)

register(
    BlockSpec(
        type="dropout2d",
        title="Dropout2d",
        category="Normalisation",
        description="While training, zeroes whole channels of an image batch at random (a fraction p of them):"
        " neighbouring pixels are alike, so dropping single pixels would hide little.",
        infer=_channel_dropout_shapes,
        example=(("N", 3, 8, 8),),  # what it is for: an image batch
        params=(float_param("p", 0.5, "Fraction of channels dropped while training", 0.0, 0.99),),
        inputs=IN,
        aliases=("channel_dropout",),
        key_params=("p",),
    )
)

register(
    BlockSpec(
        type="stochastic_depth",
        title="StochasticDepth",
        category="Normalisation",
        description=(
            "While training, drops a whole residual branch for random examples (row) or the whole batch, "
            "so deep networks train as if shallower; passes it on when evaluating."
        ),
        infer=unchanged,
        params=(
            float_param("p", 0.1, "Chance that the branch is dropped while training", 0.0, 0.99),
            ParamSpec(
                "mode", "choice", "row", "Drop for each example (row) or for the whole batch", choices=("row", "batch")
            ),
        ),
        inputs=IN,
        aliases=("drop_path",),
        key_params=("p",),
    )
)
