"""Builders and the Emitter they write into (see the package docstring)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from torch import fx, nn

from playground.core.analysis import Analysis
from playground.core.graph import Block, Graph
from playground.core.registry import Shape

Builder = Callable[["Emitter", Block, dict[str, Any], list[fx.Node], list[Shape]], list[fx.Node]]
BUILDERS: dict[str, Builder] = {}


def builds(*types: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        for type_name in types:
            if type_name in BUILDERS:
                raise ValueError(f"two torch builders for block type {type_name!r}")
            BUILDERS[type_name] = fn
        return fn

    return register


class Emitter:
    """Adds nodes to an fx graph and modules (named after block ids) to the root module.

    Inside a group the names take the group's path: the module ``layer1.conv1`` (a submodule of the
    submodule ``layer1``), the node ``layer1_conv1``. It records how each module was constructed so that
    ``export`` can write it as source.
    """

    def __init__(self, analysis: Analysis) -> None:
        self.graph = fx.Graph()
        self.root = nn.Module()
        self.constructors: dict[str, tuple[type | GroupClass, dict[str, Any]]] = {}
        self.inputs: list[str] = []
        self.outputs: dict[str, fx.Node] = {}
        self.analysis = analysis  # of the level being emitted
        self.path: list[str] = []  # the groups (and repeated copies) being emitted, from the top
        self.feeds: dict[str, fx.Node] = {}  # what enters the current group's ports
        self.ends: dict[str, fx.Node] = {}  # what leaves them
        self.classes: dict[str, GroupClass] | None = None  # the Python export's: each group a class, called

    def qualified(self, block_id: str, sep: str = ".") -> str:
        return sep.join([*self.path, block_id])

    @contextlib.contextmanager
    def inside(self, names: list[str], analysis: Analysis, feeds: dict[str, fx.Node]) -> Iterator[None]:
        """Emit one copy of a group's inside: its modules become submodules of ``names``."""
        saved = self.analysis, self.path, self.feeds, self.ends
        self.analysis, self.path, self.feeds, self.ends = analysis, [*self.path, *names], feeds, {}
        parent = self.root
        for part in self.path:
            if part not in parent._modules:
                parent.add_module(part, nn.Module())
            parent = parent.get_submodule(part)
        try:
            yield
        finally:
            self.analysis, self.path, self.feeds, self.ends = saved

    def placeholder(self, block_id: str) -> fx.Node:
        self.inputs.append(block_id)
        return self.graph.placeholder(block_id)

    def output(self, block_id: str, node: fx.Node) -> None:
        self.outputs[block_id] = node

    def module(self, block_id: str, cls: type, kwargs: dict[str, Any], args: tuple, name: str = "") -> fx.Node:
        """Call a new submodule named ``block_id``; its node is named ``name`` (the block id unless the
        call gives a tuple that the block's output ports then take apart)."""
        target = self.qualified(block_id)
        self.root.get_submodule(".".join(self.path)).add_module(block_id, cls(**kwargs))
        self.constructors[target] = (cls, kwargs)
        return self.graph.create_node("call_module", target, args, {}, name=self.qualified(name or block_id, "_"))

    def parameter(self, block_id: str, tensor: nn.Parameter, made: str) -> fx.Node:
        """A learned tensor of its own, registered as ``block_id`` on the module being emitted (its key is
        the block's path, ``class_token``, as torch code registers one); ``made`` is its construction as
        Python (``torch.zeros(1, 1, 8)``), for the export."""
        target = self.qualified(block_id)
        self.root.get_submodule(".".join(self.path)).register_parameter(block_id, tensor)
        self.constructors[target] = (nn.Parameter, {"made": made})
        return self.graph.create_node("get_attr", target, name=self.qualified(f"{block_id}_tensor", "_"))

    def function(self, block_id: str, fn: Callable, args: tuple, kwargs: dict[str, Any] | None = None) -> fx.Node:
        return self.graph.create_node("call_function", fn, args, kwargs or {}, name=self.qualified(block_id, "_"))

    def method(self, block_id: str, name: str, args: tuple, kwargs: dict[str, Any] | None = None) -> fx.Node:
        return self.graph.create_node("call_method", name, args, kwargs or {}, name=self.qualified(block_id, "_"))


def emit(e: Emitter, graph: Graph) -> dict[str, list[fx.Node]]:
    """Every block of ``graph`` (one level: a group emits its own inside), in dependency order; the fx
    node of each block's output ports."""
    nodes: dict[str, list[fx.Node]] = {}
    for block_id in graph.topological_order():
        block = graph.blocks[block_id]
        links = sorted((link for link in graph.links if link.dst == block_id), key=lambda link: link.dst_port)
        args = [nodes[link.src][link.src_port] for link in links]
        shapes = [e.analysis.shape_on(link) for link in links]
        nodes[block_id] = BUILDERS[block.type](e, block, e.analysis.params[block_id], args, shapes)
    return nodes


@dataclass
class GroupClass:
    """A group's inside as a module class of its own, as the Python export writes it: its forward()
    takes the group's inputs and returns its outputs; ``constructors`` are its layers'."""

    name: str
    module: fx.GraphModule
    constructors: dict[str, tuple[Any, dict[str, Any]]]
    source: str  # its forward() and layers, to tell two identical groups (one class) from two that differ


@dataclass(frozen=True)
class Call:
    """One operation of a traced torch module, as an inverse sees it: the module (or function, or tensor
    method name) called, its constant arguments, and the shapes (batch first) of what goes in and out."""

    target: Any
    args: tuple
    kwargs: dict[str, Any]
    shapes: list[tuple[int, ...]]
    out: tuple[int, ...]

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """An argument given by position or by name."""
        return self.args[index] if len(self.args) > index else self.kwargs.get(name, default)


class NoBlock(Exception):
    """A torch operation that no block computes (with these arguments): the reason, said plainly."""


Inverse = Callable[[Call], tuple[str, dict[str, Any]]]
INVERSES: dict[Any, Inverse] = {}
"""torch.nn classes, torch functions and tensor method names (str) -> the block type and parameters that
compute the same: the builders run backwards, for ``playground import``."""


def inverts(*targets: Any) -> Callable[[Inverse], Inverse]:
    def register(fn: Inverse) -> Inverse:
        for target in targets:
            if target in INVERSES:
                raise ValueError(f"two inverses for {target!r}")
            INVERSES[target] = fn
        return fn

    return register


def one_or_all(values: tuple[int, ...] | int) -> int | list[int]:
    """A torch size argument as a block's "dims" parameter: one number when every axis has it."""
    if isinstance(values, int):
        return values
    return values[0] if len(set(values)) == 1 else list(values)
