"""Normalisation and regularisation layers."""

from __future__ import annotations

from typing import Any

from playground.core.blocks.rules import expect_rank, expect_size, fixed, float_param, size_param
from playground.core.registry import BlockSpec, PortSpec, Shape, register


def _batchnorm(ranks: tuple[int, ...]):
    def infer(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
        (x,) = ins
        expect_rank(x, ranks)
        expect_size(fixed(x, 1), params["num_features"], "channels", "num_features")
        return [x]

    return infer


def _norm_count(params: dict[str, Any], ins: list[Shape]) -> int:
    return 2 * params["num_features"]


NUM_FEATURES = size_param("num_features", 8, "Features (or channels) to normalise", 1)
MOMENTUM = float_param("momentum", 0.1, "How fast the running statistics follow each batch", 0.0, 1.0)

register(
    BlockSpec(
        type="batch_norm1d",
        title="BatchNorm1d",
        category="Normalisation",
        description="Rescales every feature to zero mean and unit variance over the batch, then learns a scale and shift.",
        infer=_batchnorm((2, 3)),
        count=_norm_count,
        params=(NUM_FEATURES, MOMENTUM),
        inputs=(PortSpec("in"),),
        aliases=("batchnorm1d",),
        key_params=("num_features",),
    )
)

register(
    BlockSpec(
        type="batch_norm2d",
        title="BatchNorm2d",
        category="Normalisation",
        description="Rescales every channel of an image batch to zero mean and unit variance, then learns a scale and shift.",
        infer=_batchnorm((4,)),
        count=_norm_count,
        params=(NUM_FEATURES, MOMENTUM),
        inputs=(PortSpec("in"),),
        aliases=("batchnorm2d",),
        key_params=("num_features",),
    )
)


def _layernorm(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_size(fixed(x, -1), params["num_features"], "features in the last dimension", "num_features")
    return [x]


register(
    BlockSpec(
        type="layer_norm",
        title="LayerNorm",
        category="Normalisation",
        description="Rescales the features of each example to zero mean and unit variance, then learns a scale and shift.",
        infer=_layernorm,
        count=_norm_count,
        params=(size_param("num_features", 32, "Size of the last dimension", -1),),
        inputs=(PortSpec("in"),),
        aliases=("layernorm",),
        key_params=("num_features",),
    )
)


def _same(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    return [ins[0]]


register(
    BlockSpec(
        type="dropout",
        title="Dropout",
        category="Normalisation",
        description="While training, zeroes a random fraction p of the values so no neuron can be relied on alone.",
        infer=_same,
        params=(float_param("p", 0.5, "Fraction of values dropped while training", 0.0, 0.99),),
        inputs=(PortSpec("in"),),
        key_params=("p",),
    )
)
