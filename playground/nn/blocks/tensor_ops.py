"""Reshaping blocks, written as tensor methods so the compiled code reads like hand-written PyTorch."""

from __future__ import annotations

import math
import operator
from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, NoBlock, builds, inverts


@builds("flatten")
def _flatten(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.method(block.id, "flatten", (ins[0], p["start_dim"], p["end_dim"]))]


@builds("reshape")
def _reshape(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    total = math.prod(shapes[0][1:])
    known = math.prod(d for d in p["shape"] if d != -1)
    target = [total // known if d == -1 else d for d in p["shape"]]
    return [e.method(block.id, "reshape", (ins[0], -1, *target))]


@builds("permute")
def _permute(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.method(block.id, "permute", (ins[0], *p["dims"]))]


@builds("transpose")
def _transpose(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.method(block.id, "transpose", (ins[0], p["dim0"], p["dim1"]))]


@builds("slice")
def _slice(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.method(block.id, "narrow", (ins[0], p["dim"], p["start"], p["length"]))]


@builds("select")
def _select(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    if p["dim"] in (1, 1 - len(shapes[0])):
        return [e.function(block.id, operator.getitem, (ins[0], (slice(None), p["index"])))]
    return [e.method(block.id, "select", (ins[0], p["dim"], p["index"]))]


@builds("reduce")
def _reduce(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    dims = p["dims"][0] if len(p["dims"]) == 1 else tuple(p["dims"])
    kwargs = {"keepdim": True} if p["keepdim"] else {}
    return [e.method(block.id, p["op"], (ins[0], dims), kwargs)]


_REDUCED: dict[Any, str] = {torch.mean: "mean", torch.sum: "sum", torch.amax: "amax", torch.amin: "amin"}
_REDUCED |= {name: name for name in ("mean", "sum", "amax", "amin")}


@inverts(*_REDUCED)
def _reduce_back(call: Call) -> tuple[str, dict[str, Any]]:
    """``x.mean((2, 3))``, ``torch.sum(x, dim=1, keepdim=True)``: a Reduce along those dimensions."""
    dims = call.arg(1, "dim")
    if dims is None or call.kwargs.get("dtype") is not None or len(call.shapes) != 1:
        raise NoBlock("a reduction of the whole tensor (no dim), or with a dtype, has no block")
    dims = [dims] if isinstance(dims, int) else list(dims)
    rank = len(call.shapes[0])
    if any(d % rank == 0 for d in dims):
        raise NoBlock("a reduction over the batch has no block")
    return "reduce", {"op": _REDUCED[call.target], "dims": dims, "keepdim": bool(call.arg(2, "keepdim", False))}


@inverts(torch.flatten, "flatten", nn.Flatten)
def _flatten_back(call: Call) -> tuple[str, dict[str, Any]]:
    if isinstance(call.target, nn.Flatten):
        return "flatten", {"start_dim": call.target.start_dim, "end_dim": call.target.end_dim}
    return "flatten", {"start_dim": call.arg(1, "start_dim", 0), "end_dim": call.arg(2, "end_dim", -1)}


@inverts(torch.reshape, "reshape", "view")
def _reshape_back(call: Call) -> tuple[str, dict[str, Any]]:
    if not call.out or call.out[0] != call.shapes[0][0]:
        raise NoBlock("a reshape across the batch dimension has no block")
    return "reshape", {"shape": list(call.out[1:])}


@inverts(torch.permute, "permute")
def _permute_back(call: Call) -> tuple[str, dict[str, Any]]:
    dims = call.args[1:] if len(call.args) > 2 else call.arg(1, "dims")
    dims = [d % len(call.out) for d in (dims if isinstance(dims, (list, tuple)) else [dims])]
    if dims[0] != 0:
        raise NoBlock("a permute that moves the batch dimension has no block")
    return "permute", {"dims": dims}


@inverts(torch.transpose, "transpose")
def _transpose_back(call: Call) -> tuple[str, dict[str, Any]]:
    return "transpose", {"dim0": call.arg(1, "dim0"), "dim1": call.arg(2, "dim1")}


@inverts(torch.select, "select")
def _select_back(call: Call) -> tuple[str, dict[str, Any]]:
    dim, index = call.arg(1, "dim"), call.arg(2, "index")
    if not isinstance(dim, int) or not isinstance(index, int) or dim % len(call.shapes[0]) == 0:
        raise NoBlock("only picking one entry of a dimension after the batch has a block")
    return "select", {"dim": dim, "index": index}


@inverts(torch.narrow, "narrow")
def _narrow_back(call: Call) -> tuple[str, dict[str, Any]]:
    return "slice", {"dim": call.arg(1, "dim"), "start": call.arg(2, "start"), "length": call.arg(3, "length")}


@inverts(operator.getitem)
def _index_back(call: Call) -> tuple[str, dict[str, Any]]:
    index = call.args[1] if isinstance(call.args[1], tuple) else (call.args[1],)
    picked = [(dim, i) for dim, i in enumerate(index) if i != slice(None)]
    if len(picked) != 1 or picked[0][0] == 0 or Ellipsis in index:
        raise NoBlock("only indexing one dimension after the batch has a block")
    dim, i = picked[0]
    if isinstance(i, int):
        return "select", {"dim": dim, "index": i}
    size = call.shapes[0][dim]
    if isinstance(i, list) and len(i) == 1 and isinstance(i[0], int) and -size <= i[0] < size:
        return "slice", {"dim": dim, "start": i[0] % size, "length": 1}  # x[:, [-1], :]: nanoGPT's last step
    if not isinstance(i, slice) or i.step not in (None, 1):
        raise NoBlock("indexing with a step or a tensor has no block")
    start, stop, _ = i.indices(size)
    return "slice", {"dim": dim, "start": start, "length": max(0, stop - start)}
