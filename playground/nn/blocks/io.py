"""Input and Output: the graph's placeholders and results."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, builds, inverts


@builds("input")
def _input(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.placeholder(block.id)]


@builds("output")
def _output(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    e.output(block.id, ins[0])
    return []


@builds("identity")
def _identity(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [ins[0]]


@inverts(nn.Identity)
def _identity_back(call: Call) -> tuple[str, dict[str, Any]]:
    return "identity", {}
