"""The graph an fx trace becomes: each tensor node a block port, each operation with an inverse its block,
each submodule's layers named (and later grouped) as the module names them."""

from __future__ import annotations

import re
from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Block, Graph, Link
from playground.core.registry import is_valid_id
from playground.nn.blocks.base import INVERSES, Call, NoBlock
from playground.nn.import_functional import FunctionalLayers
from playground.nn.import_fx import (
    has_weights,
    kept_as_module,
    own_class,
    shape_of,
    spelled,
    tensor_shape,
    tensors_in,
    where,
)
from playground.nn.import_masks import CausalMasks
from playground.nn.import_parameters import LearnedTensors
from playground.nn.import_patterns import Patterns

FIRST_PLACES = 3  # the places said of a refusal that recurs
PASS_THROUGH = {"contiguous", "clone"}  # tensor methods that change no value: the wire goes straight on


def _place(name: str, place: str) -> str:
    """``features.0.2 at mobilenet.py:12``: a layer's module path and line, or an operation's line."""
    path = name.partition(" (")[2][:-1]
    return f"{path} at {place}" if path else place


class Blocks(Patterns, FunctionalLayers, LearnedTensors, CausalMasks):
    """The graph being built from fx nodes: each tensor node becomes a block port."""

    def __init__(self, traced: fx.GraphModule, root: nn.Module) -> None:
        self.traced = traced
        self.root = root  # the user's module: its submodules whole (traced holds what the trace read)
        self.graph = Graph()
        self.ports: dict[fx.Node, tuple[str, int]] = {}
        self.modules: dict[str, str] = {}  # block id -> the submodule it stands for
        self.paths: dict[str, list[str]] = {}  # block id -> the submodules it is inside (its groups to be)
        self.names: dict[str, str] = {}  # block id -> its layer's name in the submodule that holds it
        self.refusals: list[tuple[str, str, str]] = []  # what, where, why: each operation without a block
        self.failed: set[fx.Node] = set()  # nodes without a block: what they feed is not converted
        self._patterns()
        self._learned_tensors()
        self._causal_masks()
        self.owners: list[list[str]] = []  # the modules whose functional layer is a block (import_functional)
        first = next((n for n in traced.graph.nodes if n.op == "placeholder"), None)
        traced_shape = shape_of(first)
        self.batch = traced_shape[0] if traced_shape else None  # the traced batch

    def add(self, node: fx.Node) -> None:
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.op == "placeholder":
            shape = tensor_shape(node)
            dtype = "long" if node.meta["tensor_meta"].dtype == torch.long else "float"
            data = "x" if not self.graph.blocks else node.name
            self._block(node, "input", {"shape": list(shape[1:]), "dtype": dtype, "data": data})
        elif self._pattern(node):
            pass  # part of a pattern that comes in as one block (import_patterns)
        elif self.masking(node):
            pass  # what makes a mask, or the masked_fill that applies it: a Causal mask block (import_masks)
        elif node.op == "output":
            result = args[0]
            result = self.named.get(result, result) if isinstance(result, fx.Node) else result
            names = list(result) if isinstance(result, dict) else [""] * len(tensors_in(result))
            for name, value in zip(names, tensors_in(result), strict=True):
                if value in self.ports:  # a dict's keys name the Output blocks, as Playground's export writes them
                    ok = is_valid_id(name) and name not in self.graph.blocks
                    block_id = name if ok else self.graph.new_id("output")
                    self.graph.add_block(Block(block_id, "output", {}))
                    self._wire([value], block_id)
        elif node in self.absorbed:
            pass  # a reshape or expand a Parameter block does itself (import_parameters)
        elif node.op == "get_attr" and self.weight_read(node):
            pass  # a layer's weight, read by the function call that is its block (import_functional)
        elif node.op == "get_attr" and self.learned(node):
            pass  # a learned tensor used outside a layer: a Parameter block (import_parameters)
        elif node.op == "get_attr":
            holder, _, attribute = str(node.target).rpartition(".")  # grouped by name: relative_position_bias_table ×12
            self.refuse(
                node,
                ": a tensor used outside a layer has no block",
                f"self.{attribute}" + (f" ({holder})" if holder else ""),
            )
        elif self._wire_through(node):
            pass  # `.contiguous()`, timm's `self.drop_path = nn.Identity()`: a wire
        elif "tensor_meta" in node.meta or node.op == "call_module":  # not a size or a shape: an operation
            self._operation(node)

    def _wire_through(self, node: fx.Node) -> bool:
        """A call that changes no value (``PASS_THROUGH``, ``nn.Identity``): the wire goes straight on, or,
        from what has no block, the call has none either (said where that is)."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        through = node.op == "call_method" and node.target in PASS_THROUGH
        through = through or (node.op == "call_module" and type(self._target(node)) is nn.Identity)
        if not through or not args:
            return False
        if args[0] in self.ports:
            self.ports[node] = self.ports[args[0]]
        elif args[0] in self.failed:
            self.failed.add(node)
        else:
            return False
        return True

    def refuse(self, node: fx.Node, why: str, name: str = "") -> None:
        """``node`` has no block, ``why`` (": the reason" or " has no block"); what it feeds is not blamed."""
        self.refusals.append((name or spelled(self._target(node), node), where(node), why))
        self.failed.add(node)

    @property
    def problems(self) -> list[str]:
        """The refusals, one line per kind of operation and reason, with its count and first places:
        ``torch.nn.ReLU6 ×35: ... (first at features.0.2 at mobilenet.py:12, ...)``."""
        kinds: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for name, place, why in self.refusals:
            kinds.setdefault((name.partition(" (")[0], why), []).append((name, place))
        lines = []
        for (kind, why), found in kinds.items():
            if len(found) == 1:
                lines.append(f"{found[0][0]} at {found[0][1]}{why}")
                continue
            places = list(dict.fromkeys(_place(name, place) for name, place in found))
            first = ", ".join(places[:FIRST_PLACES]) + (", ..." if len(places) > FIRST_PLACES else "")
            lines.append(f"{kind} ×{len(found)}{why} (at {first})")
        return lines

    def _target(self, node: fx.Node) -> Any:
        return self.traced.get_submodule(str(node.target)) if node.op == "call_module" else node.target

    def _operation(self, node: fx.Node) -> None:
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        target = self._target(node)
        key = own_class(type(target)) if node.op == "call_module" else target
        if key not in INVERSES:  # a library's function, by its full name (torchvision's)
            named = f"{getattr(target, '__module__', '')}.{getattr(target, '__name__', '')}"
            key = named if named in INVERSES else key
        inputs = [value for value in tensors_in((args, node.kwargs)) if shape_of(value) is not None]
        name = spelled(target, node)
        if key is getattr and args[0] in self.failed:
            self.failed.add(node)  # `.values` of a cummax that has no block
            return
        args = tuple(fx.node.map_arg(args, lambda n: n.meta.get("value", n)))
        kwargs = fx.node.map_arg(node.kwargs, lambda n: n.meta.get("value", n))
        shapes = [self.batched.get(v) or tensor_shape(v) for v in inputs]  # a Parameter block's: batch first
        call = Call(target, args, dict(kwargs), shapes, shape_of(node) or ())
        if self.functional_layer(node, call, inputs):
            return
        if key not in INVERSES:
            self.refuse(node, " has no block", name)  # said even where what feeds it has none: all to change
            return
        if any(value in self.failed for value in tensors_in((args, node.kwargs))):
            self.failed.add(node)  # what feeds it was reported already
            return
        if node.op == "call_module" and node.target in self.modules.values() and has_weights(target):
            self.refuse(node, ": a layer called twice (shared weights) has no block", name)
            return
        try:
            kind, params = INVERSES[key](call)
        except NoBlock as exc:
            self.refuse(node, f": {exc}", name)
            return
        layer = str(node.target) if node.op == "call_module" else ""
        # a weightless layer called again (one ReLU reused), or one the export writes as a call
        # (torch.relu): an operation, numbered afresh in its group
        operation = layer and (layer in self.modules.values() or not (has_weights(target) or kept_as_module(kind)))
        block_id = self._block(node, kind, params, numbered=bool(operation))
        if kind in ("rnn", "lstm", "gru", "multihead_attention"):  # a tuple: its parts are picked (patterns)
            self.layers[node] = block_id
        if operation:
            self.paths[block_id] = layer.split(".")[:-1]
        else:
            self._locate(node, block_id, layer)
        self._wire(inputs, block_id)

    def _locate(self, node: fx.Node, block_id: str, layer: str = "") -> None:
        """Where the block goes: a layer's block in the submodule that holds ``layer`` (and it carries that
        layer's weights), an operation's in the submodule whose forward() made ``node``."""
        if layer:
            self.modules[block_id] = layer
            *self.paths[block_id], self.names[block_id] = layer.split(".")
        else:
            stack = list(node.meta.get("nn_module_stack", {}))
            self.paths[block_id] = stack[-1].split(".") if stack else []

    def _block(self, node: fx.Node, kind: str, params: dict[str, Any], wanted: str = "", numbered: bool = False) -> str:
        # A layer keeps its attribute name (its weights' names); an input its argument's; the rest are numbered.
        if node.op in ("call_module", "placeholder") and not numbered:
            wanted = str(node.target)
        wanted = re.sub(r"\W", "_", wanted)
        block_id = wanted if is_valid_id(wanted) and wanted not in self.graph.blocks else self.graph.new_id(kind)
        self.graph.add_block(Block(block_id, kind, params))
        self.ports[node] = (block_id, 0)
        return block_id

    def _wire(self, inputs: list[fx.Node], block_id: str) -> None:
        for port, value in enumerate(inputs):
            source, source_port = self.ports[value]
            self.graph.connect(Link(source, source_port, block_id, port))
