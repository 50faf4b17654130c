"""``playground import``: an existing torch.nn.Module onto the canvas, as blocks with its weights.

The module is traced with torch.fx. The torch.nn layers, torch functions and tensor methods that a block
computes (the inverse tables beside the builders, ``@inverts``) become those blocks; whatever has none is
collected and reported at once, with its source line. The blocks are then compiled and run against the
module on the same inputs: an import that would compute anything else is refused. Importing runs the
user's Python code, as python itself would; opening the project it writes never does.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from playground.core.graph import GROUP_INPUT, GROUP_OUTPUT, Graph, walk
from playground.core.groups import nest
from playground.core.layout import auto_layout
from playground.core.project_types import Project
from playground.nn.compile import CompileError, compile_graph
from playground.nn.import_blocks import Blocks
from playground.nn.import_trace import Unrepresentable, examples, trace

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


@dataclass
class Imported:
    project: Project
    weights: dict[str, torch.Tensor]  # the module's current weights under the blocks' names
    notes: list[str] = field(default_factory=list)  # what the trace answered for the traced shapes


class _Propagation(ShapeProp):
    """fx's ShapeProp, which also keeps the numbers and sizes the module computes from shapes
    (``C // self.n_head``, ``k.size(-1) ** -0.5``, ``self.weight.shape``): an operation that takes one has
    a block with it as a constant."""

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        if isinstance(result, torch.Size) or (isinstance(result, (int, float)) and not isinstance(result, bool)):
            n.meta["value"] = result
        return result


def import_module(module: nn.Module, input_shapes: list[tuple[int, ...]], title: str = "") -> Imported:
    """The module as a project whose network computes what the module computes, with its weights."""
    traced, notes = trace(module, input_shapes)
    inputs = examples(traced, input_shapes)
    training = module.training
    module.eval()
    try:
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints a traceback
            _Propagation(traced).propagate(*inputs)
            with torch.random.fork_rng(devices=[]):  # noise drawn in forward() (randn_like) is drawn alike
                torch.manual_seed(0)
                expected = module(*inputs)
    except Exception as exc:  # the module itself, or its trace, fails on these inputs
        cause = exc.__cause__ or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        shapes = ", ".join(",".join(map(str, shape)) for shape in input_shapes)
        raise Unrepresentable(
            [f"the module, as torch.fx traces it, fails on inputs shaped {shapes}: {type(cause).__name__}: {first}"]
        ) from None
    finally:
        module.train(training)
    blocks = Blocks(traced, module)
    for node in traced.graph.nodes:
        blocks.add(node)
    blocks.state_only()
    blocks.beside_owners()
    if blocks.problems:
        raise Unrepresentable(blocks.problems)
    made = list(blocks.graph.blocks)
    located = nest(blocks.graph, blocks.paths, blocks.names)
    blocks.graph.ties = _ties(module, {target: located.get(b, b) for b, target in blocks.modules.items()})
    for prefix, level in walk(blocks.graph):
        _in_module_order(level, prefix, [located.get(b, b) for b in made])
        for block_id, (x, y) in auto_layout(level).items():
            level.blocks[block_id].x, level.blocks[block_id].y = x, y
    try:
        weights = _check(blocks, located, inputs, expected)
    except Different:
        raise Unrepresentable([_why_different(module, inputs, expected)]) from None
    project = Project(graph=blocks.graph, title=title or type(module).__name__)
    project.description = f"Imported from the PyTorch module {type(module).__name__}."
    if notes:
        project.description += "\n\nTraced for these inputs:\n" + "\n".join(f"- {note}" for note in notes)
    return Imported(project, weights, notes)


def _ties(module: nn.Module, blocks: dict[str, str]) -> dict[str, str]:
    """The module's tied weights (one tensor under two names, nanoGPT's ``transformer.wte.weight`` and
    ``lm_head.weight``) as ties between the blocks that hold them (``blocks``: module path -> block path):
    each later name shares the first one's tensor, as torch's ``named_parameters()`` keeps the first."""
    names: dict[int, list[str]] = {}
    for name, parameter in module.named_parameters(remove_duplicate=False):
        names.setdefault(id(parameter), []).append(name)
    ties: dict[str, str] = {}
    problems: list[str] = []
    for first, *others in (shared for shared in names.values() if len(shared) > 1):
        for name in (first, *others):
            if name.rpartition(".")[0] not in blocks:
                problems.append(
                    f"{' and '.join((first, *others))} are one tensor (tied weights), not all of them a layer's"
                )
                break
        else:
            ends = [f"{blocks[owner]}.{weight}" for owner, _, weight in (n.rpartition(".") for n in (first, *others))]
            ties |= dict.fromkeys(ends[1:], ends[0])
    if problems:
        raise Unrepresentable(problems)
    return ties


def _in_module_order(level: Graph, prefix: str, paths: list[str]) -> None:
    """A level's blocks in the order the module made their layers (a group where its first one is), so
    the compiled module registers its layers, and lists its state dict, in the module's own order."""
    first: dict[str, int] = {}
    for place, path in enumerate(paths):
        if path.startswith(prefix):
            first.setdefault(path[len(prefix) :].split(".")[0], place)
    ends = {GROUP_INPUT: -1, GROUP_OUTPUT: len(paths)}
    rank = {b.id: ends.get(b.type, first.get(b.id, len(paths))) for b in level.blocks.values()}
    level.blocks = dict(sorted(level.blocks.items(), key=lambda item: rank[item[0]]))


def _check(
    blocks: Blocks, located: dict[str, str], examples: list[torch.Tensor], expected: Any
) -> dict[str, torch.Tensor]:
    """The blocks compiled, given the module's weights and run on the same inputs as the module: the
    weights under the blocks' names, or the reason the import is refused."""
    try:
        compiled = compile_graph(blocks.graph)
    except CompileError as exc:
        raise Unrepresentable([problem.message for problem in exc.problems]) from None
    weights: dict[str, torch.Tensor] = {}
    problems = []
    parameters = dict(blocks.root.named_parameters())
    for block_id, target in blocks.modules.items():
        path = located.get(block_id, block_id)
        if target in parameters:  # a Parameter block: the tensor itself
            weights[path] = parameters[target].detach().clone()
            continue
        theirs = list(blocks.root.get_submodule(target).state_dict().items())
        if not theirs:
            continue  # a ReLU, a pooling: nothing to carry
        ours = list(compiled.module.get_submodule(path).state_dict().items())
        if [v.shape for _, v in theirs] != [v.shape for _, v in ours]:
            problems.append(f"{target}: its weights do not fit block {block_id}")
            continue
        weights |= {f"{path}.{key}": value.detach().clone() for (key, _), (_, value) in zip(ours, theirs, strict=True)}
    if problems:
        raise Unrepresentable(problems)
    compiled.module.load_state_dict(weights)
    compiled.module.eval()
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        got = compiled.module(*examples)
    wanted = _tensors_of(expected)
    found = _tensors_of(got)
    if len(wanted) != len(found) or any(
        a.shape != b.shape or not torch.allclose(a, b, rtol=TOLERANCE["rtol"], atol=TOLERANCE["atol"])
        for a, b in zip(wanted, found, strict=False)
    ):
        raise Different
    return weights


class Different(Exception):
    """The blocks, given the module's weights, compute something else than the module."""


def _why_different(module: nn.Module, inputs: list[torch.Tensor], expected: Any) -> str:
    """Why the blocks compute something else: the module's own doing where it is (a hook, state kept
    between calls, an output that is not a number), Playground's only where nothing else explains it."""
    hooked = [
        name or type(module).__name__ for name, m in module.named_modules() if m._forward_hooks or m._forward_pre_hooks
    ]
    if hooked:
        return (
            f"the module has forward hooks (on {', '.join(hooked[:3])}), which change what it computes and which "
            "blocks do not carry: remove them before importing"
        )
    if not all(bool(torch.isfinite(t).all()) for t in _tensors_of(expected) if t.is_floating_point()):
        return (
            "the module's own output holds NaN or infinite values on these inputs (a weight that is NaN?): there "
            "is nothing to compare the blocks with"
        )
    training = module.training
    module.eval()
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            again = _tensors_of(module(*inputs))
    finally:
        module.train(training)
    if any(a.shape != b.shape or not torch.equal(a, b) for a, b in zip(_tensors_of(expected), again, strict=False)):
        return (
            "the module gives another result each time it is called on the same inputs (it keeps state between "
            "calls, such as a call count): blocks compute one function of their inputs"
        )
    return "the blocks compute something else than the module (a bug in Playground: please report it)"


def _tensors_of(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [t for item in value for t in _tensors_of(item)] if isinstance(value, (list, tuple)) else []
