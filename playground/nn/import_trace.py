"""Tracing a user's module with torch.fx as it runs on the inputs it is imported with.

fx traces with symbolic values, so Python that needs a real one stops it: ``assert t <= block_size``,
``if x.dim() == 4:``, ``len(x)``, ``if input.is_cuda:``. This tracer answers those from the inputs the
import runs the module on (the part of the graph traced so far is run to get the value), keeps the path
they take and says so: the network is what the module computes for inputs of these shapes. What depends
on the tensors' values (``if x.sum() > 0:``, ``.item()``) is still refused, at the user's line.
"""

from __future__ import annotations

import inspect
import operator
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from playground.nn.blocks.base import INVERSES
from playground.nn.import_fx import NOT_THEIRS, own_class

BATCH = 2  # examples in the batch the import traces and checks with
READS_VALUES = {"item", "tolist", "numpy", "any", "all"}  # tensor methods that hand Python a value
FX = str(Path(fx.__file__).parent)  # torch.fx's own frames, which ask on behalf of the code traced
THROUGH = (nn.TransformerEncoder,)  # torch.nn containers traced into: their layers have blocks
SPECIALISED = {torch.fx._symbolic_trace._assert_is_none, torch._assert, operator.eq}


class Unrepresentable(Exception):
    """The module cannot be represented as blocks; ``problems`` says everything that stands in the way."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def user_line(frames: list[traceback.FrameSummary]) -> str:
    """``model.py:41 (assert t <= self.block_size)``: the innermost frame of the user's code."""
    theirs = [frame for frame in frames if not frame.filename.startswith(NOT_THEIRS)]
    if not theirs:
        return "forward()"
    frame = theirs[-1]
    code = f" ({frame.line.strip()})" if frame.line else ""
    return f"{Path(frame.filename).name}:{frame.lineno}{code}"


class _Sizes:
    """What lets a traced value be a Python number (a size), from the inputs it is traced with."""

    tracer: fx.proxy.TracerBase
    node: fx.Node

    def __getattr__(self, name: str) -> _Attribute:
        assert isinstance(self, fx.Proxy)  # one of the two classes below
        return _Attribute(self, name)

    def _answer(self, what: str, convert: Callable[[Any], Any]) -> Any:
        assert isinstance(self.tracer, Tracer)  # the only tracer that makes these
        return self.tracer.answer(self.node, what, convert)

    def __len__(self) -> int:
        return int(self._answer("len()", len))

    def __index__(self) -> int:
        return int(self._answer("a size used as a number", operator.index))

    def __int__(self) -> int:
        return int(self._answer("int()", int))

    def __float__(self) -> float:
        return float(self._answer("float()", float))


class _Proxy(_Sizes, fx.Proxy):
    pass


class _Attribute(_Sizes, fx.proxy.Attribute):  # x.shape, x.is_cuda: len(x.shape) is a size too
    pass


class Tracer(fx.Tracer):
    """Keeps the torch.nn layers that have a block (and every other torch.nn layer) as calls, and answers
    Python's questions about sizes (``bool``, ``len``) from inputs of ``input_shapes``."""

    def __init__(self, input_shapes: list[tuple[int, ...]]) -> None:
        super().__init__()
        self.record_stack_traces = True
        self.input_shapes = input_shapes
        self.answered: list[str] = []  # what was answered for the traced shapes, each once, where
        self.running = False  # running the graph so far: fx's patches let modules and attributes be
        self.values: dict[fx.Node, Any] = {}  # what running the graph so far gave for a node

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        if isinstance(m, THROUGH):
            return False
        return own_class(type(m)) in INVERSES or super().is_leaf_module(m, qualname)

    def call_module(self, m: nn.Module, forward: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        return forward(*args, **kwargs) if self.running else super().call_module(m, forward, args, kwargs)

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict[str, Any]) -> Any:
        return attr_val if self.running else super().getattr(attr, attr_val, parameter_proxy_cache)

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return _Proxy(node, self)

    def to_bool(self, obj: fx.Proxy) -> bool:
        return self.answer(obj.node, "a condition", bool)

    def answer(self, node: fx.Node, what: str, ask: Any) -> Any:
        """``ask`` of the value ``node`` has when the module runs on the import's inputs (the length of a
        tensor, the truth of a condition on sizes): refused when the answer depends on a tensor's values."""
        frames = traceback.extract_stack()
        where = user_line(frames)
        found = self._run_to(node)
        if (ask is not len and isinstance(found, torch.Tensor)) or _reads_values(node):
            raise Unrepresentable(
                [
                    f"{where}: {what} needs the values of a tensor, which a traced network does not have: it cannot branch on its data"
                ]
            )
        value = ask(found)
        asker = next(f for f in reversed(frames) if not f.filename.startswith((NOT_THEIRS[1], FX)))
        if asker.filename.startswith(NOT_THEIRS[0]):
            return value  # torch's own code (TransformerEncoder's fast-path checks): nothing of the user's
        note = f"{where}: {what} was answered for inputs shaped {_shapes(self.input_shapes)} ({value!r})"
        if note not in self.answered:
            self.answered.append(note)
        return value

    def _run_to(self, node: fx.Node) -> Any:
        if node in self.values:  # asked again (a loop's condition, a size read twice)
            return self.values[node]
        graph = fx.Graph()
        copies: dict[fx.Node, fx.Node] = {}
        graph.graph_copy(self.graph, copies)
        graph.output(copies[node])
        training = {module: module.training for module in self.root.modules()}
        self.root.eval()  # running it must not move a BatchNorm's statistics
        self.running = True  # from here: the module's weights copied into ``partial`` are tensors, not proxies
        try:
            partial = fx.GraphModule(self.root, graph)
            with torch.no_grad():
                self.values[node] = partial(*examples(partial, self.input_shapes))
        finally:
            self.running = False
            for module, mode in training.items():
                module.training = mode
        return self.values[node]


def _reads_values(node: fx.Node) -> bool:
    seen, frontier = set(), [node]
    while frontier:
        current = frontier.pop()
        if current.op == "call_method" and current.target in READS_VALUES:
            return True
        seen.add(current)
        frontier += [n for n in current.all_input_nodes if n not in seen]
    return False


def _shapes(input_shapes: list[tuple[int, ...]]) -> str:
    """The shapes the import runs the module on (its batch at least BATCH)."""
    batched = [(max(BATCH, shape[0]), *shape[1:]) for shape in input_shapes]
    return "; ".join(",".join(map(str, shape)) for shape in batched) or "as the layers say"


def defaults(module: nn.Module) -> dict[str, Any]:
    """forward()'s arguments that have a default (``targets=None``, ``has_mask=True``): traced as that
    value, as calling the module without them does, rather than as inputs of the network."""
    try:
        parameters = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):  # a forward() without a signature Python can read
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def drop_specialised(graph: fx.Graph) -> None:
    """The placeholders ``defaults`` fixed, with the checks fx adds that they keep their value: the
    network's inputs are the arguments it is called with."""
    for node in [n for n in graph.nodes if n.op == "placeholder" and n.args]:
        users, frontier = [], list(node.users)
        while frontier:
            user = frontier.pop()
            users.append(user)
            frontier += list(user.users)
        if all(user.op == "call_function" and user.target in SPECIALISED for user in users):
            for user in [n for n in reversed(graph.nodes) if n in users]:  # users before what they use
                graph.erase_node(user)
            graph.erase_node(node)


def trace(module: nn.Module, input_shapes: list[tuple[int, ...]]) -> tuple[fx.GraphModule, list[str]]:
    """The module traced, and what was answered for the traced shapes; Unrepresentable, at the user's
    line, when fx cannot trace it."""
    tracer = Tracer(input_shapes)
    kept = {name: buffer.clone() for name, buffer in module.named_buffers()}
    try:
        graph = tracer.trace(module, concrete_args=defaults(module))
    except Unrepresentable:
        raise
    except Exception as exc:  # fx raises TraceError, TypeError, ... from the user's forward()
        where = user_line(traceback.extract_tb(exc.__traceback__))
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise Unrepresentable(
            [f"{where}: forward() cannot be traced with torch.fx: {type(exc).__name__}: {message}"]
        ) from None
    finally:
        with torch.no_grad():  # code run as it traces may count in place (timm's num_batches_tracked.add_(1))
            for name, buffer in module.named_buffers():
                buffer.copy_(kept[name])
    drop_specialised(graph)
    order = {node: rank for rank, node in enumerate(graph.nodes)}
    for node in [n for n in graph.nodes if n.op == "get_attr" and n.users]:
        min(node.users, key=order.__getitem__).prepend(
            node
        )  # where it is used: `self.scale * self.f(x)` reads it first
    return fx.GraphModule(module, graph), tracer.answered


def examples(traced: fx.GraphModule, input_shapes: list[tuple[int, ...]]) -> list[torch.Tensor]:
    """Random inputs for the traced module: token ids where an Embedding reads the input."""
    placeholders = [node for node in traced.graph.nodes if node.op == "placeholder" and not node.args]
    if not input_shapes:
        input_shapes = [_shape_read_by(traced, node) for node in placeholders]
    if len(input_shapes) != len(placeholders):
        names = ", ".join(node.name for node in placeholders)
        count = f"{len(placeholders)} input{'s' if len(placeholders) != 1 else ''}"
        raise Unrepresentable([f"forward({names}) takes {count}: give one --input-shape each, in order"])
    generator = torch.Generator().manual_seed(0)
    made = []
    for node, shape in zip(placeholders, input_shapes, strict=True):
        shape = (max(BATCH, shape[0]), *shape[1:])
        readers = [traced.get_submodule(user.target) for user in node.users if user.op == "call_module"]
        embedding = next((m for m in readers if isinstance(m, nn.Embedding)), None)
        if embedding is not None:
            made.append(torch.randint(0, embedding.num_embeddings, shape, generator=generator))
        else:
            made.append(torch.randn(shape, generator=generator))
    return made


def _shape_read_by(traced: fx.GraphModule, node: fx.Node) -> tuple[int, ...]:
    """The input shape a Linear that reads the input directly says; nothing else says one."""
    for user in node.users:
        layer = traced.get_submodule(str(user.target)) if user.op == "call_module" else None
        if isinstance(layer, nn.Linear):
            return (1, layer.in_features)
    raise Unrepresentable([f"forward()'s input '{node.name}' needs its shape: --input-shape N,C,H,W (batch first)"])
