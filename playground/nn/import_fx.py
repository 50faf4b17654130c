"""fx nodes as the importer reads them: their shapes, the line of the user's code that made them, the
tensors among their arguments, and how PyTorch code spells their operation."""

from __future__ import annotations

import functools
import inspect
import os
import re
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Block, Graph, Link
from playground.core.registry import AUTO, get_spec
from playground.core.shapes import example_shapes
from playground.nn.blocks import modules as own_modules
from playground.nn.compile import CompileError, compile_graph

NOT_THEIRS = (f"{Path(torch.__file__).parent}{os.sep}", f"{Path(__file__).parent}{os.sep}")  # torch's, the importer's
OWN = {
    cls.__name__: cls
    for cls in vars(own_modules).values()
    if isinstance(cls, type) and issubclass(cls, nn.Module) and cls.__module__ == own_modules.__name__
}


def own_class(cls: type) -> type:
    """Playground's own module class (modules.py) for a copy of it, as an exported model.py carries
    them (the same name and source); any other class is itself."""
    ours = OWN.get(cls.__name__)
    if ours is None or ours is cls:
        return cls
    try:
        same = inspect.getsource(cls) == inspect.getsource(ours)
    except (OSError, TypeError):  # defined where no source can be read
        same = False
    return ours if same else cls


def shape_of(node: Any) -> tuple[int, ...] | None:
    meta = node.meta.get("tensor_meta") if isinstance(node, fx.Node) else None
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def argument(node: fx.Node, index: int, name: str, default: Any = None) -> Any:
    """A call's argument, given by position or by name, as traced: a value of any type, or a node."""
    return node.args[index] if len(node.args) > index else node.kwargs.get(name, default)


def tensor_shape(node: Any) -> tuple[int, ...]:
    """The shape of a node only a tensor reaches (the trace measured it)."""
    shape = shape_of(node)
    if shape is None:
        raise TypeError(f"{node} is not a tensor the trace measured")
    return shape


def where(node: fx.Node) -> str:
    """``model.py:41``: the line of the user's code that made this node (the innermost frame outside torch)."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', node.stack_trace or "")
    theirs = [(file, line) for file, line in frames if not file.startswith(NOT_THEIRS)]
    return f"{Path(theirs[-1][0]).name}:{theirs[-1][1]}" if theirs else f"'{node.name}'"


def tensors_in(value: Any) -> list[fx.Node]:
    """The fx nodes in an argument structure, in order (the list of a cat, the tuple a forward returns)."""
    found: list[fx.Node] = []
    fx.node.map_arg(value, found.append)
    return found


def spelled(target: Any, node: fx.Node) -> str:
    """How PyTorch code spells the operation: torch.nn.LSTM (rnn), torch.roll, Tensor.unfold."""
    if isinstance(target, nn.Module):
        cls = type(target)
        spelled = f"torch.nn.{cls.__name__}" if getattr(nn, cls.__name__, None) is cls else cls.__qualname__
        return f"{spelled} ({node.target})"
    if isinstance(target, str):
        return f"Tensor.{target}"
    module = {
        "torch.nn.functional": "F",
        "_operator": "operator",
        "torch._C._VariableFunctions": "torch",
        "torch._C._nn": "F",
    }
    home = getattr(target, "__module__", None) or "torch"
    return f"{module.get(home, home)}.{target.__name__}"


def has_weights(module: nn.Module) -> bool:
    return next(iter(module.state_dict().values()), None) is not None


@functools.cache
def kept_as_module(kind: str) -> bool:
    """Whether a block of ``kind`` compiles to a module of its own, which the Python export names after
    the block (``self.maxpool``), rather than to a call (``torch.relu(x)``), which it does not: a layer
    without weights of the second kind is numbered on import, as it comes back from the export."""
    spec = get_spec(kind)
    example = example_shapes(spec) if spec else None
    if spec is None or example is None:
        return True
    graph = Graph()
    graph.add_block(Block("b", kind, {p.name: AUTO for p in spec.params if p.infer_from is not None}))
    for port, shape in enumerate(example[0]):
        graph.add_block(Block(f"in_{port}", "input", {"shape": list(shape[1:])}))
        graph.connect(Link(f"in_{port}", 0, "b", port))
    graph.add_block(Block("out", "output", {}))
    graph.connect(Link("b", 0, "out", 0))
    try:
        compiled = compile_graph(graph)
    except CompileError:
        return True
    return any(node.op == "call_module" and node.target == "b" for node in compiled.module.graph.nodes)
