"""``playground import``: an existing torch.nn.Module onto the canvas, as blocks with its weights.

The module is traced with torch.fx. The torch.nn layers, torch functions and tensor methods that a block
computes (the inverse tables beside the builders, ``@inverts``) become those blocks; whatever has none is
collected and reported at once, with its source line. The blocks are then compiled and run against the
module on the same inputs: an import that would compute anything else is refused. Importing runs the
user's Python code, as python itself would; opening the project it writes never does.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from playground.core.graph import GROUP_INPUT, GROUP_OUTPUT, Block, Graph, Link
from playground.core.groups import nest
from playground.core.layout import auto_layout
from playground.core.project import walk
from playground.core.project_types import Project
from playground.core.registry import is_valid_id
from playground.nn.blocks import modules as own_modules
from playground.nn.blocks.base import INVERSES, Call, NoBlock
from playground.nn.compile import CompileError, compile_graph

PASS_THROUGH = {"contiguous", "clone"}  # tensor methods that change no value: the wire goes straight on
BATCH = 2  # examples in the batch the import traces and checks with
TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


class Unrepresentable(Exception):
    """The module cannot be represented as blocks; ``problems`` says everything that stands in the way."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Imported:
    project: Project
    weights: dict[str, torch.Tensor]  # the module's current weights under the blocks' names


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


class _Tracer(fx.Tracer):
    """Keeps the torch.nn layers that have a block (and every other torch.nn layer) as calls."""

    def __init__(self) -> None:
        super().__init__()
        self.record_stack_traces = True

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return own_class(type(m)) in INVERSES or super().is_leaf_module(m, qualname)


def import_module(module: nn.Module, input_shapes: list[tuple[int, ...]], title: str = "") -> Imported:
    """The module as a project whose network computes what the module computes, with its weights."""
    try:
        graph = _Tracer().trace(module)
    except Exception as exc:  # fx raises TraceError, TypeError, ... from the user's forward()
        raise Unrepresentable([f"forward() cannot be traced with torch.fx: {type(exc).__name__}: {exc}"]) from None
    traced = fx.GraphModule(module, graph)
    examples = _examples(traced, input_shapes)
    training = module.training
    module.eval()
    try:
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints a traceback
            ShapeProp(traced).propagate(*examples)
            expected = module(*examples)
    except Exception as exc:  # the module itself, or its trace, fails on these inputs
        cause = exc.__cause__ or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        shapes = ", ".join(",".join(map(str, shape)) for shape in input_shapes)
        raise Unrepresentable(
            [f"the module, as torch.fx traces it, fails on inputs shaped {shapes}: {type(cause).__name__}: {first}"]
        ) from None
    finally:
        module.train(training)
    blocks = _Blocks(traced)
    for node in traced.graph.nodes:
        blocks.add(node)
    blocks.state_only()
    if blocks.problems:
        raise Unrepresentable(blocks.problems)
    made = list(blocks.graph.blocks)
    located = nest(blocks.graph, blocks.paths, blocks.names)
    for prefix, level in walk(blocks.graph):
        _in_module_order(level, prefix, [located.get(b, b) for b in made])
        for block_id, (x, y) in auto_layout(level).items():
            level.blocks[block_id].x, level.blocks[block_id].y = x, y
    weights = _check(blocks, located, examples, expected)
    project = Project(graph=blocks.graph, title=title or type(module).__name__)
    project.description = f"Imported from the PyTorch module {type(module).__name__}."
    return Imported(project, weights)


def _in_module_order(level: Graph, prefix: str, paths: list[str]) -> None:
    """A level's blocks in the order the module made their layers (a group where its first one is), so
    the compiled module registers its layers, and lists its state dict, in the module's own order."""
    first = {}
    for rank, path in enumerate(paths):
        if path.startswith(prefix):
            first.setdefault(path[len(prefix) :].split(".")[0], rank)
    ends = {GROUP_INPUT: -1, GROUP_OUTPUT: len(paths)}
    rank = {b.id: ends.get(b.type, first.get(b.id, len(paths))) for b in level.blocks.values()}
    level.blocks = dict(sorted(level.blocks.items(), key=lambda item: rank[item[0]]))


def _examples(traced: fx.GraphModule, input_shapes: list[tuple[int, ...]]) -> list[torch.Tensor]:
    placeholders = [node for node in traced.graph.nodes if node.op == "placeholder"]
    if not input_shapes:
        input_shapes = [_shape_read_by(traced, node) for node in placeholders]
    if len(input_shapes) != len(placeholders):
        names = ", ".join(node.name for node in placeholders)
        count = f"{len(placeholders)} input{'s' if len(placeholders) != 1 else ''}"
        raise Unrepresentable([f"forward({names}) takes {count}: give one --input-shape each, in order"])
    generator = torch.Generator().manual_seed(0)
    examples = []
    for node, shape in zip(placeholders, input_shapes, strict=True):
        shape = (max(BATCH, shape[0]), *shape[1:])
        readers = [traced.get_submodule(user.target) for user in node.users if user.op == "call_module"]
        embedding = next((m for m in readers if isinstance(m, nn.Embedding)), None)
        if embedding is not None:
            examples.append(torch.randint(0, embedding.num_embeddings, shape, generator=generator))
        else:
            examples.append(torch.randn(shape, generator=generator))
    return examples


def _shape_read_by(traced: fx.GraphModule, node: fx.Node) -> tuple[int, ...]:
    """The input shape a Linear that reads the input directly says; nothing else says one."""
    for user in node.users:
        if user.op == "call_module" and isinstance(traced.get_submodule(user.target), nn.Linear):
            return (1, traced.get_submodule(user.target).in_features)
    raise Unrepresentable([f"forward()'s input '{node.name}' needs its shape: --input-shape N,C,H,W (batch first)"])


def _shape(node: Any) -> tuple[int, ...] | None:
    meta = node.meta.get("tensor_meta") if isinstance(node, fx.Node) else None
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def where(node: fx.Node) -> str:
    """``model.py:41``: the line of the user's code that made this node (the innermost frame outside torch)."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', node.stack_trace or "")
    torch_dir = str(Path(torch.__file__).parent)
    theirs = [(file, line) for file, line in frames if not file.startswith(torch_dir)]
    return f"{Path(theirs[-1][0]).name}:{theirs[-1][1]}" if theirs else f"'{node.name}'"


class _Blocks:
    """The graph being built from fx nodes: each tensor node becomes a block port."""

    def __init__(self, traced: fx.GraphModule) -> None:
        self.traced = traced
        self.graph = Graph()
        self.ports: dict[fx.Node, tuple[str, int]] = {}
        self.modules: dict[str, str] = {}  # block id -> the submodule it stands for
        self.paths: dict[str, list[str]] = {}  # block id -> the submodules it is inside (its groups to be)
        self.names: dict[str, str] = {}  # block id -> its layer's name in the submodule that holds it
        self.problems: list[str] = []
        self.failed: set[fx.Node] = set()  # nodes without a block: what they feed is not converted
        self.layers: dict[fx.Node, str] = {}  # the call of a torch RNN, LSTM or GRU -> its block
        self.states: dict[fx.Node, tuple[str, Any]] = {}  # its final states, on the way to the state port

    def add(self, node: fx.Node) -> None:
        if node.op == "placeholder":
            shape = _shape(node)
            dtype = "long" if node.meta["tensor_meta"].dtype == torch.long else "float"
            data = "x" if not self.graph.blocks else node.name
            self._block(node, "input", {"shape": list(shape[1:]), "dtype": dtype, "data": data})
        elif self._state_pick(node):
            pass  # on the way to a recurrent block's state port
        elif any(value in self.states for value in _tensors((node.args, node.kwargs))):
            self._state_misread(node)
        elif node.op == "output":
            result = node.args[0]
            names = list(result) if isinstance(result, dict) else [""] * len(_tensors(result))
            for name, value in zip(names, _tensors(result), strict=True):
                if value in self.ports:  # a dict's keys name the Output blocks, as Playground's export writes them
                    ok = is_valid_id(name) and name not in self.graph.blocks
                    block_id = name if ok else self.graph.new_id("output")
                    self.graph.add_block(Block(block_id, "output", {}))
                    self._wire([value], block_id)
        elif node.op == "get_attr":
            self.problems.append(f"self.{node.target} at {where(node)}: a tensor used outside a layer has no block")
            self.failed.add(node)
        elif node.op == "call_method" and node.target in PASS_THROUGH and node.args[0] in self.ports:
            self.ports[node] = self.ports[node.args[0]]
        elif "tensor_meta" in node.meta or node.op == "call_module":  # not a size or a shape: an operation
            self._operation(node)

    def _target(self, node: fx.Node) -> Any:
        return self.traced.get_submodule(node.target) if node.op == "call_module" else node.target

    def _operation(self, node: fx.Node) -> None:
        target = self._target(node)
        key = own_class(type(target)) if node.op == "call_module" else target
        inputs = [value for value in _tensors((node.args, node.kwargs)) if _shape(value) is not None]
        name = _name(target, node)
        if key is getattr and node.args[0] in self.failed:
            self.failed.add(node)  # `.values` of a cummax that has no block
            return
        if key not in INVERSES:
            self.problems.append(f"{name} at {where(node)} has no block")
            self.failed.add(node)
            return
        if any(value in self.failed for value in _tensors((node.args, node.kwargs))):
            self.failed.add(node)  # what feeds it was reported already
            return
        if node.op == "call_module" and node.target in self.modules.values() and _has_weights(target):
            self.problems.append(f"{name} at {where(node)}: a layer called twice (shared weights) has no block")
            self.failed.add(node)
            return
        call = Call(target, node.args, dict(node.kwargs), [_shape(v) for v in inputs], _shape(node) or ())
        try:
            kind, params = INVERSES[key](call)
        except NoBlock as exc:
            self.problems.append(f"{name} at {where(node)}: {exc}")
            self.failed.add(node)
            return
        block_id = self._block(node, kind, params)
        if kind in ("rnn", "lstm", "gru"):
            self.layers[node] = block_id
        if node.op == "call_module":
            self.modules[block_id] = node.target
            *self.paths[block_id], self.names[block_id] = node.target.split(".")
        else:
            stack = list(node.meta.get("nn_module_stack", {}))
            self.paths[block_id] = stack[-1].split(".") if stack else []
        self._wire(inputs, block_id)

    def _state_pick(self, node: fx.Node) -> bool:
        """``out, (h_n, c_n) = self.lstm(x)`` and then ``h_n[-1]``, or ``cat((h_n[-2], h_n[-1]), 1)`` when
        bidirectional: the top layer's final state, the block's state port. Whether ``node`` is a step
        on that way (``out`` is the block's output port)."""
        if node.target is torch.cat and node.args and isinstance(node.args[0], (list, tuple)):
            halves = [self.states.get(value) for value in node.args[0]]
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            ends = halves and halves[0] and halves[0][1] == ("half", -2) and dim in (1, -1)
            if ends and halves == [(halves[0][0], ("half", -2)), (halves[0][0], ("half", -1))]:
                self.ports[node] = (halves[0][0], 1)
                return True
            return False
        if node.target is not operator.getitem or not isinstance(node.args[1], int):
            return False
        source, index = node.args
        if source in self.layers:
            block_id = self.layers[source]
            if index == 0:
                self.ports[node] = (block_id, 0)
            else:
                self.states[node] = (block_id, "both" if self.graph.blocks[block_id].type == "lstm" else "h_n")
            return True
        block_id, what = self.states.get(source, (None, None))
        if what == "both":
            self.states[node] = (block_id, "h_n" if index == 0 else "c_n")
            return True
        if what == "h_n":
            params = self.graph.blocks[block_id].params
            directions = 2 if params["bidirectional"] else 1
            top = index + params["num_layers"] * directions if index >= 0 else index
            if directions == 1 and top == -1:
                self.ports[node] = (block_id, 1)
                return True
            if directions == 2 and top in (-2, -1):
                self.states[node] = (block_id, ("half", top))
                return True
        return False

    def state_only(self) -> None:
        """A recurrent block whose module reads only its final state gives that state on its output
        port (``output: last``), as one would draw it."""
        for block_id in self.layers.values():
            links = [link for link in self.graph.links if link.src == block_id]
            if links and all(link.src_port == 1 for link in links):
                self.graph.blocks[block_id].params["output"] = "last"
                for link in links:
                    self.graph.disconnect(link)
                    self.graph.connect(Link(block_id, 0, link.dst, link.dst_port))

    def _state_misread(self, node: fx.Node) -> None:
        block_id, what = next(
            self.states[value] for value in _tensors((node.args, node.kwargs)) if value in self.states
        )
        spelled = {"both": "(h_n, c_n)", "h_n": "h_n", "c_n": "c_n"}.get(what, "one direction of h_n")
        name = "the output" if node.op == "output" else _name(self._target(node), node)
        self.problems.append(
            f"{name} at {where(node)} reads {spelled} of '{block_id}': of its final states only the top "
            "layer's has a block (its state port: h_n[-1], or cat((h_n[-2], h_n[-1]), 1) when bidirectional)"
        )
        self.failed.add(node)

    def _block(self, node: fx.Node, kind: str, params: dict[str, Any]) -> str:
        # A layer keeps its attribute name (its weights' names); an input its argument's; the rest are numbered.
        wanted = re.sub(r"\W", "_", str(node.target)) if node.op in ("call_module", "placeholder") else ""
        block_id = wanted if is_valid_id(wanted) and wanted not in self.graph.blocks else self.graph.new_id(kind)
        self.graph.add_block(Block(block_id, kind, params))
        self.ports[node] = (block_id, 0)
        return block_id

    def _wire(self, inputs: list[fx.Node], block_id: str) -> None:
        for port, value in enumerate(inputs):
            source, source_port = self.ports[value]
            self.graph.connect(Link(source, source_port, block_id, port))


def _tensors(value: Any) -> list[fx.Node]:
    """The fx nodes in an argument structure, in order (the list of a cat, the tuple a forward returns)."""
    found: list[fx.Node] = []
    fx.node.map_arg(value, found.append)
    return found


def _name(target: Any, node: fx.Node) -> str:
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


def _check(
    blocks: _Blocks, located: dict[str, str], examples: list[torch.Tensor], expected: Any
) -> dict[str, torch.Tensor]:
    """The blocks compiled, given the module's weights and run on the same inputs as the module: the
    weights under the blocks' names, or the reason the import is refused."""
    try:
        compiled = compile_graph(blocks.graph)
    except CompileError as exc:
        raise Unrepresentable([problem.message for problem in exc.problems]) from None
    weights: dict[str, torch.Tensor] = {}
    problems = []
    for block_id, target in blocks.modules.items():
        theirs = list(blocks.traced.get_submodule(target).state_dict().items())
        if not theirs:
            continue  # a ReLU, a pooling: nothing to carry
        path = located.get(block_id, block_id)
        ours = list(compiled.module.get_submodule(path).state_dict().items())
        if [v.shape for _, v in theirs] != [v.shape for _, v in ours]:
            problems.append(f"{target}: its weights do not fit block {block_id}")
            continue
        weights |= {f"{path}.{key}": value.detach().clone() for (key, _), (_, value) in zip(ours, theirs, strict=True)}
    if problems:
        raise Unrepresentable(problems)
    compiled.module.load_state_dict(weights)
    compiled.module.eval()
    with torch.no_grad():
        got = compiled.module(*examples)
    wanted = _tensors_of(expected)
    found = _tensors_of(got)
    if len(wanted) != len(found) or any(
        a.shape != b.shape or not torch.allclose(a, b, **TOLERANCE) for a, b in zip(wanted, found, strict=False)
    ):
        raise Unrepresentable(
            ["the blocks compute something else than the module (a bug in Playground: please report it)"]
        )
    return weights


def _tensors_of(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [t for item in value for t in _tensors_of(item)] if isinstance(value, (list, tuple)) else []


def _has_weights(module: nn.Module) -> bool:
    return next(iter(module.state_dict().values()), None) is not None
