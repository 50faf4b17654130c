"""Graph -> torch.fx.GraphModule whose ``.code`` reads like hand-written PyTorch.

Submodules and fx nodes are named after block ids, so parameters appear in the
state dict as ``linear_1.weight``. One Output block gives a module that returns a
tensor; several give a dict keyed by Output block id.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn

from playground.core.analysis import Analysis, Problem
from playground.core.graph import Graph
from playground.core.registry import Shape, get_spec
from playground.core.shapes import analyse
from playground.nn.blocks.base import Emitter, GroupClass, emit


class CompileError(Exception):
    """The graph has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass(frozen=True)
class InputInfo:
    block: str
    shape: Shape
    dtype: str
    data: str


PROBABILITIES = ("softmax", "log_softmax", "sigmoid")
"""Blocks that turn class scores into probabilities: a classifier ending in one learns from what enters it."""


@dataclass(frozen=True)
class FinalActivation:
    """The Softmax, LogSoftmax or Sigmoid block that ends the network, and the scores (logits) entering it."""

    block: str
    type: str
    logits: fx.Node

    @property
    def title(self) -> str:
        spec = get_spec(self.type)
        return spec.title if spec else self.type


@dataclass
class CompiledModel:
    module: fx.GraphModule
    inputs: list[InputInfo]
    outputs: list[str]
    analysis: Analysis
    constructors: dict[str, tuple[type | GroupClass, dict[str, Any]]]
    output_shapes: dict[str, Shape]
    nodes: dict[str, list[fx.Node]]  # block id -> the fx node of each output port
    final: FinalActivation | None = None  # set for a single Output fed by a Softmax, LogSoftmax or Sigmoid
    graph: Graph = field(default_factory=Graph)  # the blocks it was compiled from

    @property
    def code(self) -> str:
        return self.module.code

    def part(self, feeds: list[str], outputs: list[str]) -> fx.GraphModule:
        """The piece of the network that runs from the blocks ``feeds`` (their first output becomes an
        argument, in that order) to the blocks ``outputs`` (a dict of their first outputs), sharing the
        same modules and weights: a GAN's generator alone, a VAE's decoder fed with chosen codes."""
        starts = {self.nodes[block][0]: block for block in feeds}
        targets = [self.nodes[block][0] for block in outputs]
        return self._piece(starts, lambda found: dict(zip(outputs, found, strict=True)), targets)

    def logits_module(self) -> fx.GraphModule:
        """The network up to the scores that enter its final Softmax, LogSoftmax or Sigmoid (the whole
        network when it ends otherwise), sharing its modules and weights: what a classifier's loss reads."""
        if self.final is None:
            return self.module
        starts = {node: node.name for node in self.module.graph.nodes if node.op == "placeholder"}
        return self._piece(starts, lambda found: found[0], [self.final.logits])

    def _piece(self, starts: dict[fx.Node, str], result: Any, targets: list[fx.Node]) -> fx.GraphModule:
        needed: set[fx.Node] = set()
        pending = list(targets)
        while pending:
            node = pending.pop()
            if node in needed:
                continue
            needed.add(node)
            if node not in starts:
                if node.op == "placeholder":
                    raise ValueError(
                        f"the blocks {', '.join(t.name for t in targets)} need '{node.name}', which is not fed"
                    )
                pending.extend(node.all_input_nodes)
        graph = fx.Graph()
        env = {node: graph.placeholder(block) for node, block in starts.items()}
        for node in self.module.graph.nodes:
            if node in needed and node not in env:
                env[node] = graph.node_copy(node, lambda n: env[n])
        graph.output(result([env[node] for node in targets]))
        return fx.GraphModule(self.module, graph, class_name="PlaygroundPart")


def _final_activation(
    graph: Graph, analysis: Analysis, nodes: dict[str, list[fx.Node]], output: str
) -> FinalActivation | None:
    """The probability block that feeds ``output`` directly, when it normalises the last (class) dimension."""
    link = graph.link_into(output, 0)
    block = graph.blocks[link.src] if link else None
    if block is None or block.type not in PROBABILITIES:
        return None
    feed = graph.link_into(block.id, 0)
    if feed is None:
        return None
    if block.type != "sigmoid":
        dim, rank = analysis.params[block.id]["dim"], len(analysis.shapes[block.id][0])
        if dim not in (-1, rank - 1):
            return None
    return FinalActivation(block.id, block.type, nodes[feed.src][feed.src_port])


def compile_graph(graph: Graph, class_name: str = "PlaygroundModel") -> CompiledModel:
    analysis = analyse(graph)
    if analysis.problems:
        raise CompileError(analysis.problems)
    emitter, nodes = emitted(graph, analysis)
    inputs = [
        InputInfo(
            block_id,
            analysis.shapes[block_id][0],
            analysis.params[block_id]["dtype"],
            analysis.params[block_id]["data"],
        )
        for block_id in emitter.inputs
    ]
    outputs = emitter.outputs
    nodes.update({block_id: [node] for block_id, node in outputs.items()})  # an Output gives what it receives
    module = fx.GraphModule(emitter.root, emitter.graph, class_name=class_name)
    tie(module, graph.ties)
    shapes = {block_id: analysis.shape_on(link) for block_id in outputs if (link := graph.link_into(block_id, 0))}
    final = _final_activation(graph, analysis, nodes, next(iter(outputs))) if len(outputs) == 1 else None
    return CompiledModel(module, inputs, list(outputs), analysis, emitter.constructors, shapes, nodes, final, graph)


def tie(module: nn.Module, ties: dict[str, str]) -> None:
    """Each tied weight made the very tensor it shares (torch's ``self.lm_head.weight = self.wte.weight``):
    one tensor in two places, trained once, counted once by ``parameters()``."""
    for name, to in ties.items():
        owner, _, weight = name.rpartition(".")
        setattr(module.get_submodule(owner), weight, module.get_parameter(to))


def emitted(
    graph: Graph, analysis: Analysis, classes: dict[str, GroupClass] | None = None
) -> tuple[Emitter, dict[str, list[fx.Node]]]:
    """The graph's blocks emitted, ending in its outputs (one: that tensor; several: a dict by Output
    id); ``classes``: each group a class of its own (the Python export's), collected there."""
    emitter = Emitter(analysis)
    emitter.classes = classes
    nodes = emit(emitter, graph)
    outputs = emitter.outputs
    emitter.graph.output(next(iter(outputs.values())) if len(outputs) == 1 else dict(outputs))
    return emitter, nodes


@contextlib.contextmanager
def evaluating(model: nn.Module, gradients: bool = False) -> Iterator[None]:
    """Evaluation mode (no dropout, running batch-norm statistics), without gradients unless asked for,
    then back as it was."""
    was_training = model.training
    model.eval()
    try:
        with torch.set_grad_enabled(gradients):
            yield
    finally:
        model.train(was_training)
