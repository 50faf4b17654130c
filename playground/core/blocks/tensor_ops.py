"""Blocks that rearrange a tensor without learning anything."""

from __future__ import annotations

import math
from typing import Any

from playground.core.blocks.rules import bad_param, bool_param, expect_rank, fixed, int_param, normalise_dim
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, Shape, ShapeError, format_shape, register

ANY_IN = (PortSpec("in", dtype="any"),)
ANY_OUT = (PortSpec("out", dtype="any"),)


def _flatten(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (2, 3, 4, 5, 6))
    start = normalise_dim(params["start_dim"], len(x), "start_dim")
    end = normalise_dim(params["end_dim"], len(x), "end_dim")
    if end < start:
        raise bad_param(f"end_dim ({params['end_dim']}) comes before start_dim ({params['start_dim']})")
    return [(*x[:start], math.prod(fixed(x, axis) for axis in range(start, end + 1)), *x[end + 1 :])]


register(
    BlockSpec(
        type="flatten",
        title="Flatten",
        category="Reshape",
        description="Lays out each example's values in one long row, e.g. an image before a Linear layer.",
        infer=_flatten,
        rule="(N, d1, …, dk) → the dimensions start_dim to end_dim multiplied into one",
        params=(
            int_param("start_dim", 1, "First dimension to merge (1: the first after the batch)", low=-8, high=8),
            int_param("end_dim", -1, "Last dimension to merge (-1: the last)", low=-8, high=8),
        ),
        inputs=ANY_IN,
        outputs=ANY_OUT,
    )
)


def _reshape(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    target = params["shape"]
    total = math.prod(fixed(x, axis) for axis in range(1, len(x)))
    if target.count(-1) > 1:
        raise bad_param("shape may contain -1 (size worked out for you) at most once")
    if any(d == 0 or d < -1 for d in target):
        raise bad_param("shape sizes must be positive, or -1 once")
    known = math.prod(d for d in target if d != -1)
    if -1 in target:
        if total % known:
            raise ShapeError(f"cannot split {total} values per example into {format_shape(tuple(target))}", 0)
        target = [total // known if d == -1 else d for d in target]
    elif known != total:
        raise ShapeError(
            f"receives {total} values per example {format_shape(x)} but shape "
            f"{format_shape(tuple(target))} holds {known}: the sizes must multiply to {total}",
            0,
        )
    return [(x[0], *target)]


register(
    BlockSpec(
        type="reshape",
        title="Reshape",
        category="Reshape",
        description="Rearranges each example's values into a new shape with the same number of values.",
        infer=_reshape,
        params=(ParamSpec("shape", "ints", [1, 8, 8], "New shape without the batch; one -1 is worked out", min=-1),),
        inputs=ANY_IN,
        outputs=ANY_OUT,
        aliases=("view",),
        key_params=("shape",),
    )
)


def _permute(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    dims = params["dims"]
    if sorted(dims) != list(range(len(x))):
        raise ShapeError(
            f"needs dims to be an ordering of 0..{len(x) - 1} for a {len(x)}-D input {format_shape(x)}, not {dims}", 0
        )
    if dims[0] != 0:
        raise bad_param("dims must start with 0: the batch dimension stays first")
    return [tuple(x[d] for d in dims)]


register(
    BlockSpec(
        type="permute",
        title="Permute",
        category="Reshape",
        description="Reorders the dimensions of a tensor, e.g. (batch, steps, features) to (batch, features, steps).",
        infer=_permute,
        params=(ParamSpec("dims", "ints", [0, 2, 1], "New order of the dimensions, batch (0) first", min=0, max=8),),
        inputs=ANY_IN,
        outputs=ANY_OUT,
        key_params=("dims",),
    )
)


def _transpose(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    a = normalise_dim(params["dim0"], len(x), "dim0")
    b = normalise_dim(params["dim1"], len(x), "dim1")
    out = list(x)
    out[a], out[b] = out[b], out[a]
    return [tuple(out)]


register(
    BlockSpec(
        type="transpose",
        title="Transpose",
        category="Reshape",
        description="Swaps two dimensions of a tensor.",
        infer=_transpose,
        params=(
            int_param("dim0", 1, "First dimension to swap", low=-8, high=8),
            int_param("dim1", 2, "Second dimension to swap", low=-8, high=8),
        ),
        inputs=ANY_IN,
        outputs=ANY_OUT,
        key_params=("dim0", "dim1"),
    )
)


def _slice(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    dim = normalise_dim(params["dim"], len(x))
    size = fixed(x, dim)
    start = params["start"] + size if params["start"] < 0 else params["start"]
    if not 0 <= start < size or start + params["length"] > size:
        raise ShapeError(
            f"cannot take {params['length']} entries from position {params['start']} of dimension {dim}, "
            f"which has {size}",
            0,
        )
    out = list(x)
    out[dim] = params["length"]
    return [tuple(out)]


register(
    BlockSpec(
        type="slice",
        title="Slice",
        category="Reshape",
        description="Keeps a contiguous run of entries along one dimension, e.g. the first k time steps.",
        infer=_slice,
        params=(
            int_param("dim", 1, "Dimension to cut", low=-8, high=8),
            int_param("start", 0, "First entry kept (negative counts from the end)", low=-(1 << 20)),
            int_param("length", 1, "How many entries to keep"),
        ),
        inputs=ANY_IN,
        outputs=ANY_OUT,
        aliases=("narrow",),
        key_params=("dim", "start", "length"),
    )
)


def _select(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    expect_rank(x, (2, 3, 4, 5))
    dim = normalise_dim(params["dim"], len(x))
    size = fixed(x, dim)
    if not -size <= params["index"] < size:
        raise ShapeError(f"cannot pick entry {params['index']} of dimension {dim}, which has {size}", 0)
    return [x[:dim] + x[dim + 1 :]]


register(
    BlockSpec(
        type="select",
        title="Select step",
        category="Reshape",
        description="Picks one entry along a dimension and drops that dimension, e.g. the last time step of a sequence.",
        infer=_select,
        params=(
            int_param("dim", 1, "Dimension to pick from (1: time steps)", low=-8, high=8),
            int_param("index", -1, "Which entry (-1: the last)", low=-(1 << 20)),
        ),
        inputs=ANY_IN,
        outputs=ANY_OUT,
        aliases=("select_last",),
        key_params=("index",),
    )
)


REDUCTIONS = ("mean", "sum", "amax", "amin")


def _reduce(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    (x,) = ins
    dims = {normalise_dim(d, len(x), "dims") for d in params["dims"]}
    if not dims:
        raise bad_param("dims must name at least one dimension after the batch")
    if params["keepdim"]:
        return [tuple(1 if axis in dims else size for axis, size in enumerate(x))]
    return [tuple(size for axis, size in enumerate(x) if axis not in dims)]


register(
    BlockSpec(
        type="reduce",
        title="Reduce",
        category="Reshape",
        description=(
            "Averages (mean), adds up (sum) or keeps the largest or smallest value (amax, amin) along some "
            "dimensions, e.g. an image's height and width: x.mean((2, 3))."
        ),
        infer=_reduce,
        params=(
            ParamSpec("op", "choice", "mean", "What to compute along the dimensions", choices=REDUCTIONS),
            ParamSpec("dims", "ints", [-1], "The dimensions to reduce (not the batch; -1: the last)", min=-8, max=8),
            bool_param("keepdim", False, "Keep each reduced dimension, with size 1"),
        ),
        inputs=(PortSpec("in"),),
        key_params=("op", "dims"),
        aliases=("mean", "amax", "global_average"),
        rule="the dims are removed (kept with size 1 with keepdim)",
    )
)
