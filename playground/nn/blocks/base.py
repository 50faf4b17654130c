"""Builders and the Emitter they write into (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import fx, nn

from playground.core.graph import Block
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

    It records how each module was constructed so that ``export`` can write it as source.
    """

    def __init__(self) -> None:
        self.graph = fx.Graph()
        self.root = nn.Module()
        self.constructors: dict[str, tuple[type, dict[str, Any]]] = {}
        self.inputs: list[str] = []
        self.outputs: dict[str, fx.Node] = {}

    def placeholder(self, block_id: str) -> fx.Node:
        self.inputs.append(block_id)
        return self.graph.placeholder(block_id)

    def output(self, block_id: str, node: fx.Node) -> None:
        self.outputs[block_id] = node

    def module(self, block_id: str, cls: type, kwargs: dict[str, Any], args: tuple, name: str = "") -> fx.Node:
        """Call a new submodule named ``block_id``; its node is named ``name`` (the block id unless the
        call gives a tuple that the block's output ports then take apart)."""
        self.root.add_module(block_id, cls(**kwargs))
        self.constructors[block_id] = (cls, kwargs)
        return self.graph.create_node("call_module", block_id, args, {}, name=name or block_id)

    def function(self, block_id: str, fn: Callable, args: tuple, kwargs: dict[str, Any] | None = None) -> fx.Node:
        return self.graph.create_node("call_function", fn, args, kwargs or {}, name=block_id)

    def method(self, block_id: str, name: str, args: tuple, kwargs: dict[str, Any] | None = None) -> fx.Node:
        return self.graph.create_node("call_method", name, args, kwargs or {}, name=block_id)


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
