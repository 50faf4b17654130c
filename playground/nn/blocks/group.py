"""A group's inside, emitted in place: its modules become submodules named after it (``layer1.conv1``),
a repeated group's copies ``layer.0``, ``layer.1``, ... as ``nn.Sequential`` names them."""

from __future__ import annotations

from typing import Any

from torch import fx

from playground.core.graph import Block, port_names
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds, emit


@builds("group")
def _group(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    inner = block.graph
    assert inner is not None
    ports, ends = port_names(block)
    repeat = p["repeat"]
    for copy in range(repeat):
        names = [block.id, str(copy)] if repeat > 1 else [block.id]
        with e.inside(names, e.analysis.inner[block.id], dict(zip(ports, ins, strict=True))):
            emit(e, inner)
            ins = [e.ends[end] for end in ends]
    return ins


@builds("group_input")
def _port(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.feeds[block.id]]


@builds("group_output")
def _end(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    e.ends[block.id] = ins[0]
    return []
