"""Reshaping blocks, written as tensor methods so the compiled code reads like hand-written PyTorch."""

from __future__ import annotations

import math
import operator
from typing import Any

from torch import fx

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds


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
