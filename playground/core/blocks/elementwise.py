"""Activations, merges and the primitive maths of the autodiff lecture."""

from __future__ import annotations

from typing import Any

from playground.core.blocks.rules import (
    bad_param,
    broadcast,
    float_param,
    int_param,
    normalise_dim,
    same_shapes,
    unchanged,
)
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, Shape, ShapeError, format_shape, register

IN = (PortSpec("in"),)


def _softmax_like(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    normalise_dim(params["dim"], len(ins[0]))
    return [ins[0]]


SIMPLE: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("relu", "ReLU", "Activation", "Keeps positive values and sets negative ones to zero: max(0, x).", ()),
    ("tanh", "Tanh", "Activation", "Squashes each value into (-1, 1) along an S-curve.", ()),
    ("sigmoid", "Sigmoid", "Activation", "Squashes each value into (0, 1); reads as a probability.", ()),
    ("gelu", "GELU", "Activation", "A smooth ReLU used in transformers: x times the chance x is above noise.", ()),
    ("silu", "SiLU", "Activation", "A smooth ReLU: x times sigmoid(x), also called Swish.", ("swish",)),
    ("relu6", "ReLU6", "Activation", "ReLU capped at 6: min(max(0, x), 6), as mobile networks use it.", ()),
    (
        "hardswish",
        "Hardswish",
        "Activation",
        "A cheap SiLU: x times a straight-line sigmoid (MobileNetV3, EfficientNet).",
        ("hard_swish",),
    ),
    (
        "hardsigmoid",
        "Hardsigmoid",
        "Activation",
        "A cheap sigmoid: a straight line from 0 to 1 between -3 and 3 (squeeze-and-excitation gates).",
        ("hard_sigmoid",),
    ),
    ("sin", "Sin", "Math", "Applies sin(x) to every value.", ()),
    ("cos", "Cos", "Math", "Applies cos(x) to every value.", ()),
    ("exp", "Exp", "Math", "Applies e to the power x to every value.", ()),
    ("log", "Log", "Math", "Applies the natural logarithm to every value (undefined at zero and below).", ()),
)
for _type, _title, _category, _text, _aliases in SIMPLE:
    register(
        BlockSpec(
            type=_type,
            title=_title,
            category=_category,
            description=_text,
            infer=unchanged,
            inputs=IN,
            aliases=_aliases,
        )
    )

register(
    BlockSpec(
        type="leaky_relu",
        title="LeakyReLU",
        category="Activation",
        description="Like ReLU, but negative values keep a small slope so their neurons never go silent.",
        infer=unchanged,
        params=(float_param("negative_slope", 0.01, "Slope for negative inputs", 0.0, 1.0),),
        inputs=IN,
        key_params=("negative_slope",),
    )
)
register(
    BlockSpec(
        type="elu",
        title="ELU",
        category="Activation",
        description="Like ReLU for positive values, a smooth curve down to -alpha for negative ones.",
        infer=unchanged,
        params=(float_param("alpha", 1.0, "Value approached for very negative inputs", 0.0, 10.0),),
        inputs=IN,
        key_params=("alpha",),
    )
)
for _type, _title, _text in (
    ("softmax", "Softmax", "Turns scores into probabilities that are positive and sum to one."),
    (
        "log_softmax",
        "LogSoftmax",
        "The logarithm of Softmax, numerically safe; pairs with a negative log-likelihood loss.",
    ),
):
    register(
        BlockSpec(
            type=_type,
            title=_title,
            category="Activation",
            description=_text,
            infer=_softmax_like,
            params=(int_param("dim", -1, "Dimension that sums to one (-1: the last)", low=-8, high=8),),
            inputs=IN,
        )
    )

register(
    BlockSpec(
        type="pow",
        title="Pow",
        category="Math",
        description="Raises every value to a fixed power, e.g. 3 for x cubed.",
        infer=unchanged,
        params=(float_param("exponent", 2.0, "The power", -16.0, 16.0),),
        inputs=IN,
        aliases=("power",),
        key_params=("exponent",),
    )
)
register(
    BlockSpec(
        type="scale",
        title="Scale",
        category="Math",
        description="Multiplies every value by one learnable number.",
        infer=unchanged,
        count=lambda p, ins: 1,
        params=(float_param("init", 1.0, "Starting value of the learnable factor", -1e6, 1e6),),
        inputs=IN,
        key_params=("init",),
    )
)

ARITHMETIC = ("x * c", "x + c", "x - c", "c - x", "x / c", "c / x")


def _arithmetic(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    if params["c"] == 0 and params["op"] == "x / c":
        raise bad_param("c 0 would divide by zero")
    return [ins[0]]


register(
    BlockSpec(
        type="arithmetic",
        title="Arithmetic",
        category="Math",
        description="Computes every value with one fixed number c: x * 0.5, x + 1, 1 - x, x / 8 (not learned).",
        infer=_arithmetic,
        params=(
            ParamSpec("op", "choice", "x * c", "The operation", choices=ARITHMETIC),
            float_param("c", 1.0, "The fixed number", -1e9, 1e9),
        ),
        inputs=IN,
        aliases=("constant", "affine", "divide", "rsub"),
        key_params=("op", "c"),
    )
)

INPUTS = int_param("inputs", 2, "How many inputs", low=2, high=16)
MERGES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "add",
        "Add",
        "Adds its inputs value by value, e.g. the two branches of a residual connection; a size of 1 is "
        "stretched to the others' (broadcasting).",
        ("residual", "sum"),
    ),
    (
        "multiply",
        "Multiply",
        "Multiplies its inputs value by value, e.g. a gate times a signal; a size of 1 is stretched to the "
        "others' (broadcasting: one weight per channel times a whole feature map).",
        ("mul",),
    ),
)
for _type, _title, _text, _aliases in MERGES:
    register(
        BlockSpec(
            type=_type,
            title=_title,
            category="Merge",
            description=_text,
            infer=lambda p, ins: [broadcast(ins)],
            params=(INPUTS,),
            inputs=(PortSpec("in"),),
            variadic="inputs",
            aliases=_aliases,
        )
    )

register(
    BlockSpec(
        type="subtract",
        title="Subtract",
        category="Merge",
        description="Subtracts the second input from the first, value by value (a size of 1 is stretched).",
        infer=lambda p, ins: [broadcast(ins)],
        inputs=(PortSpec("a"), PortSpec("b")),
        aliases=("sub",),
    )
)

register(
    BlockSpec(
        type="noise",
        title="Noise",
        category="Generative",
        description=(
            "Random numbers shaped like its input, new at every step: normal (torch.randn_like, mean 0 and "
            "spread 1) or uniform (torch.rand_like, between 0 and 1); the input's values are not used."
        ),
        infer=unchanged,
        params=(
            ParamSpec("distribution", "choice", "normal", "How the numbers are drawn", choices=("normal", "uniform")),
        ),
        inputs=IN,
        aliases=("randn_like", "rand_like", "random"),
        key_params=("distribution",),
    )
)

register(
    BlockSpec(
        type="reparameterize",
        title="Sample",
        category="Generative",
        description=(
            "Draws a random code around a mean with a spread, z = mean + exp(log_var / 2) * noise, so gradients "
            "still reach both (the VAE's reparameterisation); gives the mean when evaluating."
        ),
        infer=lambda p, ins: [same_shapes(ins)],
        inputs=(PortSpec("mean"), PortSpec("log_var")),
        aliases=("sample", "reparameterise", "gaussian_sample"),
    )
)


def _concat(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    first = ins[0]
    dim = normalise_dim(params["dim"], len(first))
    total = 0
    for i, shape in enumerate(ins):
        rest = shape[:dim] + shape[dim + 1 :]
        if len(shape) != len(first) or rest != first[:dim] + first[dim + 1 :]:
            raise ShapeError(
                f"can only join along dimension {dim} inputs that agree elsewhere, but input 1 is "
                f"{format_shape(first)} and input {i + 1} is {format_shape(shape)}",
                i,
            )
        size = shape[dim]
        if not isinstance(size, int):
            raise ShapeError(f"cannot join along dimension {dim}, which has no fixed size", i)
        total += size
    out = list(first)
    out[dim] = total
    return [tuple(out)]


register(
    BlockSpec(
        type="concat",
        title="Concat",
        category="Merge",
        description="Joins its inputs side by side along one dimension, in port order (e.g. a U-Net skip).",
        infer=_concat,
        params=(
            int_param("inputs", 2, "How many inputs (1: passes its input on, as torch.cat of one tensor does)", 1, 128),
            int_param("dim", 1, "Dimension to join along (1: features or channels)", low=-8, high=8),
        ),
        inputs=(PortSpec("in"),),
        variadic="inputs",
        aliases=("cat", "concatenate"),
        key_params=("dim",),
    )
)
