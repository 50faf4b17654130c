"""Small helpers the shape rules share: checks that raise ShapeError in plain words."""

from __future__ import annotations

from typing import Any

from playground.core.registry import ParamSpec, Shape, ShapeError, format_shape

AXIS_NAMES = {2: "(batch, features)", 3: "(batch, steps, features)", 4: "(batch, channels, height, width)"}


def expect_rank(shape: Shape, ranks: tuple[int, ...], what: str = "", port: int = 0) -> None:
    if len(shape) not in ranks:
        wanted = " or ".join(f"{r}-D {AXIS_NAMES.get(r, '')}".strip() for r in ranks)
        hint = f": {what}" if what else ""
        raise ShapeError(f"expects a {wanted} tensor but receives {format_shape(shape)}{hint}", port)


def fixed(shape: Shape, axis: int, port: int = 0) -> int:
    dim = shape[axis]
    if not isinstance(dim, int):
        raise ShapeError(f"needs a fixed size in dimension {axis} of {format_shape(shape)}, not {dim}", port)
    return dim


def expect_size(found: int, expected: int, what: str, param: str, hint: str = "", port: int = 0) -> None:
    if found != expected:
        extra = f" {hint}" if hint else ""
        raise ShapeError(f"expects {expected} {what} but receives {found}: set {param} to {found}{extra}", port)


def positive(value: int, label: str) -> None:
    if value <= 0:
        raise ShapeError(
            f"would produce an empty {label} ({value}): use a smaller kernel or stride, or more padding", 0
        )


def bad_param(message: str) -> ShapeError:
    return ShapeError(message, None, kind="param")


def normalise_dim(dim: int, rank: int, name: str = "dim", allow_batch: bool = False) -> int:
    """A possibly negative dim index -> a positive one, refusing the batch dimension."""
    real = dim + rank if dim < 0 else dim
    low = 0 if allow_batch else 1
    if not low <= real < rank:
        raise bad_param(f"{name} {dim} does not exist for a {rank}-D input (valid: {low} to {rank - 1}, or negative)")
    return real


def unchanged(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    """The shape rule of a block that gives its input's shape back (an activation, Dropout, Identity)."""
    return [ins[0]]


def same_shapes(ins: list[Shape]) -> Shape:
    first = ins[0]
    for i, shape in enumerate(ins[1:], start=1):
        if shape != first:
            raise ShapeError(
                f"needs inputs of the same shape but input 1 is {format_shape(first)} "
                f"and input {i + 1} is {format_shape(shape)}",
                i,
            )
    return first


def broadcast(ins: list[Shape]) -> Shape:
    """The shape of a value-by-value merge: torch's broadcasting between tensors that all have the batch
    first, so each dimension agrees or is 1 in all but one of them (a gate of (B, C, 1, 1) times a feature
    map of (B, C, H, W)); a dimension is stretched, never added."""
    out = list(ins[0])
    for i, shape in enumerate(ins[1:], start=1):
        if len(shape) != len(out):
            raise ShapeError(
                f"needs inputs with as many dimensions as each other (broadcasting stretches a dimension of "
                f"size 1, it adds none) but input 1 is {format_shape(ins[0])} and input {i + 1} is "
                f"{format_shape(shape)}",
                i,
            )
        for axis, (mine, theirs) in enumerate(zip(out, shape, strict=True)):
            if mine == theirs or theirs == 1:
                continue
            if mine != 1:
                raise ShapeError(
                    f"needs inputs whose sizes agree, or are 1, in each dimension (broadcasting) but input "
                    f"{i + 1} is {format_shape(shape)} where the inputs before give {format_shape(tuple(out))}: "
                    f"dimension {axis} has {mine} and {theirs}",
                    i,
                )
            out[axis] = theirs
    return tuple(out)


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def per_axis(params: dict[str, Any], name: str, axes: int) -> tuple[int, ...]:
    """A "dims" parameter as one size per spatial axis: a number applies to every axis."""
    value = params[name]
    if isinstance(value, int):
        return (value,) * axes
    if len(value) != axes:
        raise bad_param(f"{name} {list(value)} gives {len(value)} sizes but this block has {axes} spatial axes")
    return tuple(value)


def dims_param(
    name: str, default: int, doc: str, low: int = 1, high: int = 64, words: tuple[str, ...] = ()
) -> ParamSpec:
    return ParamSpec(name, "dims", default, doc, min=low, max=high, choices=words)


def int_param(name: str, default: int, doc: str, low: int = 1, high: int = 1 << 20) -> ParamSpec:
    return ParamSpec(name, "int", default, doc, min=low, max=high)


def size_param(name: str, default: int, doc: str, axis: int, port: int = 0) -> ParamSpec:
    """An input size that may be "auto": then it is the size of ``axis`` of the wire into ``port``."""
    return ParamSpec(name, "int", default, doc, min=1, max=1 << 20, infer_from=(port, axis))


def float_param(name: str, default: float, doc: str, low: float, high: float) -> ParamSpec:
    return ParamSpec(name, "float", default, doc, min=low, max=high)


def bool_param(name: str, default: bool, doc: str) -> ParamSpec:
    return ParamSpec(name, "bool", default, doc)


BIAS = bool_param("bias", True, "Learn an additive bias")


def bias_count(params: dict[str, Any], size: int) -> int:
    return size if params.get("bias", True) else 0
