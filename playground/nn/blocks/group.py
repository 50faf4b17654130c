"""A group's inside, emitted in place: its modules become submodules named after it (``layer1.conv1``),
a repeated group's copies ``layer.0``, ``layer.1``, ... as ``nn.Sequential`` names them. For the Python
export a group is instead a module class of its own, called where the group is (``self.layer1[0](x)``),
with the same submodule names."""

from __future__ import annotations

import copy
import operator
import re
from typing import Any

from torch import fx, nn

from playground.core.graph import Block, port_names
from playground.core.registry import Shape
from playground.nn.blocks import modules
from playground.nn.blocks.base import Emitter, GroupClass, builds, emit

TAKEN = {"Model", *(name for name, value in vars(modules).items() if isinstance(value, type))}  # in model.py


@builds("group")
def _group(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    if e.classes is not None:
        return _called(e, block, p, ins)
    inner = block.graph
    assert inner is not None
    ports, ends = port_names(block)
    repeat = p["repeat"]
    for index in range(repeat):
        names = [block.id, str(index)] if repeat > 1 else [block.id]
        with e.inside(names, e.analysis.inner[block.id], dict(zip(ports, ins, strict=True))):
            emit(e, inner)
            ins = [e.ends[end] for end in ends]
    return ins


def _called(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node]) -> list[fx.Node]:
    """The group as a call of its class (each copy of a repeated one in turn): the Python export's."""
    group = _group_class(e, block)
    repeat = p["repeat"]
    copies = [copy.deepcopy(group.module) for _ in range(repeat)]
    e.root.get_submodule(".".join(e.path)).add_module(block.id, nn.ModuleList(copies) if repeat > 1 else copies[0])
    e.constructors[e.qualified(block.id)] = (group, {"repeat": repeat})
    ends = port_names(block)[1]
    for index in range(repeat):
        target = e.qualified(block.id) + (f".{index}" if repeat > 1 else "")
        name = block.id if repeat == 1 else f"{block.id}_{index}"
        node = e.graph.create_node("call_module", target, tuple(ins), {}, name=e.qualified(name, "_"))
        many = len(ends) > 1  # a tuple, one tensor per output port
        ins = (
            [e.function(f"{name}_{end}", operator.getitem, (node, i)) for i, end in enumerate(ends)] if many else [node]
        )
    return ins


def _group_class(e: Emitter, block: Block) -> GroupClass:
    """The class of the group's inside, named after it (``stage1``: Stage1, ``block1-0``: Block10); the same class for a group
    whose inside is the same as one already made."""
    ports, ends = port_names(block)
    inner = Emitter(e.analysis.inner[block.id])
    inner.classes = e.classes
    inner.feeds = {port: inner.graph.placeholder(port) for port in ports}
    assert block.graph is not None and e.classes is not None  # a group, emitted for the Python export
    emit(inner, block.graph)
    results = [inner.ends[end] for end in ends]
    inner.graph.output(results[0] if len(results) == 1 else tuple(results))
    stem = "".join(part.capitalize() for part in re.split(r"[_-]+", block.id) if part) or "Group"
    stem = stem if stem[0].isalpha() else f"Group{stem}"
    module = fx.GraphModule(inner.root, inner.graph, class_name=stem)
    source = module.code + repr(inner.constructors)
    classes = e.classes
    for made in classes.values():
        if made.source == source:
            return made
    name, number = stem, 1
    while name in classes or name in TAKEN:
        number += 1
        name = f"{stem}{number}"
    classes[name] = GroupClass(name, module, inner.constructors, source)
    return classes[name]


@builds("group_input")
def _port(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.feeds[block.id]]


@builds("group_output")
def _end(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    e.ends[block.id] = ins[0]
    return []
