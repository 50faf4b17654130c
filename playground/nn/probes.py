"""Look inside a network: per-block activations, the gradient flowing along each wire, attention
maps, weight and gradient statistics, and for networks with a 2-D input, every block's output
over a grid of the input plane (what TensorFlow Playground draws on each neuron). Everything
comes back as numpy copies; nothing here changes the weights or their ``.grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import fx, nn

from playground.nn.compile import CompiledModel, evaluating

HIST_BINS = 30


@dataclass(frozen=True)
class TensorStats:
    norm: float
    mean: float
    std: float
    counts: np.ndarray  # histogram counts, HIST_BINS long
    edges: np.ndarray  # HIST_BINS + 1 bin edges


@dataclass(frozen=True)
class PlaneProbe:
    """A ``resolution`` x ``resolution`` grid over the input plane: ``xs`` and ``ys`` are the grid
    coordinates; ``blocks`` maps block ids to their output at every grid point, shaped
    (units, resolution, resolution) (the last one is the network's prediction)."""

    xs: np.ndarray
    ys: np.ndarray
    blocks: dict[str, np.ndarray]
    output: str


@dataclass(frozen=True)
class Inspection:
    """One look at the network on a fixed batch of validation inputs."""

    activations: dict[str, np.ndarray]  # block id -> its output on the batch
    wire_gradients: dict[str, float] = field(default_factory=dict)  # block id -> mean |dloss/d output|
    attention: dict[str, np.ndarray] = field(default_factory=dict)  # block id -> (steps, steps), example 0


@dataclass(frozen=True)
class LineProbe:
    """The prediction over ``resolution`` points of a 1-D input: ``mean`` is (units, resolution);
    ``std`` is the spread over Monte-Carlo dropout samples (None for a network without dropout), the
    model's own (epistemic) uncertainty; ``noise`` is the standard deviation the network predicts for
    the data (aleatoric), for a network that gives a mean and a log-variance (None otherwise)."""

    xs: np.ndarray
    mean: np.ndarray
    std: np.ndarray | None
    noise: np.ndarray | None = None


def _aliases(compiled: CompiledModel) -> dict[str, str]:
    """Blocks without an fx node of their own, and the node whose tensor each shows: an Output shows the
    block that flows into it, a group its first output port's inner node (``group_1_linear_3``)."""
    return {
        block: ports[0].name
        for block, ports in compiled.nodes.items()
        if ports and ports[0].name != block and block in compiled.analysis.shapes
    }


def tapped(compiled: CompiledModel) -> fx.GraphModule:
    """A module sharing the compiled one's weights that returns every block's output, keyed by block id."""
    graph = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    graph.graph_copy(compiled.module.graph, env)
    # Every block's node, and the nodes that Outputs, groups and the loss read (a group's inner nodes).
    wanted = set(compiled.analysis.shapes) | set(_aliases(compiled).values())
    if compiled.final is not None:
        wanted.add(compiled.final.logits.name)
    taps = {node.name: env[node] for node in compiled.module.graph.nodes if node.name in wanted and node.op != "output"}
    graph.output(taps)
    return fx.GraphModule(compiled.module, graph)


class Probe:
    """Probes for one compiled network. Build once per network; each call costs one forward pass."""

    def __init__(self, compiled: CompiledModel) -> None:
        self.compiled = compiled
        self.model = compiled.module
        self.tap = tapped(compiled)
        self.output = compiled.outputs[0] if compiled.outputs else ""
        self.sources = _aliases(compiled)

    @torch.no_grad()
    def activations(self, *inputs: torch.Tensor) -> dict[str, np.ndarray]:
        """Every block's output for the given batch (evaluation mode: no dropout)."""
        outputs = self._run(*inputs)
        for block_id, source in self.sources.items():
            outputs[block_id] = outputs[source]
        return {k: v.detach().float().cpu().numpy() for k, v in outputs.items()}

    def inspect(
        self,
        inputs: tuple[torch.Tensor, ...],
        loss: Callable[[torch.Tensor], torch.Tensor | None] | None = None,
        at: str | None = None,
    ) -> Inspection:
        """Activations, attention maps and (given the task's loss of the output, or of the node ``at``)
        the mean absolute gradient of the loss with respect to every block's output: one forward and
        one backward pass with ``torch.autograd.grad``, so the parameters' gradients stay those of the
        last step."""
        attention: dict[str, np.ndarray] = {}
        hooks = _attention_hooks(self.model, attention)
        try:
            with evaluating(self.model, gradients=loss is not None):
                outputs = dict(self.tap(*inputs))
                gradients = self._gradients(outputs, loss, at) if loss is not None else {}
        finally:
            for hook in hooks:
                hook.remove()
        for block_id, source in self.sources.items():
            outputs[block_id] = outputs[source]
            if source in gradients:
                gradients[block_id] = gradients[source]
        arrays = {k: v.detach().float().cpu().numpy() for k, v in outputs.items()}
        return Inspection(arrays, gradients, attention)

    def _gradients(
        self, outputs: dict[str, torch.Tensor], loss: Callable[[torch.Tensor], torch.Tensor | None], at: str | None
    ) -> dict[str, float]:
        value = loss(outputs[at or self.sources.get(self.output, self.output)])
        names = [k for k, v in outputs.items() if v.requires_grad and v.is_floating_point()]
        if value is None or not names:
            return {}
        grads = torch.autograd.grad(value, [outputs[k] for k in names], allow_unused=True)
        return {k: float(g.abs().mean()) for k, g in zip(names, grads, strict=True) if g is not None}

    def _run(self, *inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        with evaluating(self.model):
            return dict(self.tap(*inputs))

    def plane(self, bounds: tuple[float, float] = (-1.2, 1.2), resolution: int = 40) -> PlaneProbe:
        """Every 1-D-per-example block's output over a grid of the 2-D input plane."""
        inputs = self.compiled.inputs
        if len(inputs) != 1 or tuple(inputs[0].shape[1:]) != (2,) or inputs[0].dtype != "float":
            raise ValueError("the input-plane view needs a network with one Input of shape [2]")
        device = next(self.model.parameters(), torch.empty(0)).device
        axis = torch.linspace(bounds[0], bounds[1], resolution, device=device)
        grid_y, grid_x = torch.meshgrid(axis, axis, indexing="ij")
        points = torch.stack([grid_x.flatten(), grid_y.flatten()], 1)  # (R * R, 2)
        with torch.no_grad():
            outputs = self._run(points)
        blocks = {}
        for block_id, value in outputs.items():
            if isinstance(value, torch.Tensor) and value.dim() == 2 and value.shape[0] == len(points):
                blocks[block_id] = value.T.reshape(-1, resolution, resolution).float().cpu().numpy()
        for block_id, source in self.sources.items():
            if source in blocks:
                blocks[block_id] = blocks[source]
        grid = axis.cpu().numpy()
        return PlaneProbe(grid, grid, blocks, self.output)


def _attention_hooks(model: nn.Module, into: dict[str, np.ndarray]) -> list:
    """Make every attention layer also return its weights (heads averaged) and keep example 0's."""
    hooks = []
    for name, module in model.named_modules():
        if not isinstance(module, nn.MultiheadAttention):
            continue
        block = name.split(".", 1)[0]

        def ask(module: nn.Module, args: tuple, kwargs: dict) -> tuple:
            return args, {**kwargs, "need_weights": True, "average_attn_weights": True}

        def keep(module: nn.Module, args: tuple, output: tuple, block: str = block) -> None:
            if output[1] is not None:
                into.setdefault(block, output[1][0].detach().float().cpu().numpy())

        hooks.append(module.register_forward_pre_hook(ask, with_kwargs=True))
        hooks.append(module.register_forward_hook(keep))
    return hooks


def line(
    compiled: CompiledModel,
    bounds: tuple[float, float],
    resolution: int = 200,
    samples: int = 30,
    variance: bool = False,
) -> LineProbe:
    """The network's answer along a 1-D input. With Dropout blocks, ``samples`` passes each sample one
    dropout mask (Monte-Carlo dropout) and their mean and standard deviation come back: the
    epistemic band. With ``variance`` the network's units are means then log-variances: the
    predicted noise (averaged over the samples) comes back too, the aleatoric band."""
    inputs = compiled.inputs
    if len(inputs) != 1 or tuple(inputs[0].shape[1:]) != (1,) or inputs[0].dtype != "float":
        raise ValueError("the function view needs a network with one Input of shape [1]")
    model = compiled.module
    device = next(model.parameters(), torch.empty(0)).device
    xs = torch.linspace(bounds[0], bounds[1], resolution, device=device)[:, None]  # (R, 1)
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    hooks = [m.register_forward_hook(_shared_dropout) for m in dropouts]
    try:
        with evaluating(model):
            runs = torch.stack([model(xs).T.float() for _ in range(samples if dropouts else 1)])  # (S, units, R)
    finally:
        for hook in hooks:
            hook.remove()
    noise = None
    if variance:
        runs, log_var = runs.chunk(2, dim=1)
        noise = log_var.exp().mean(0).sqrt().cpu().numpy()
    std = runs.std(0).cpu().numpy() if dropouts else None
    return LineProbe(xs[:, 0].cpu().numpy(), runs.mean(0).cpu().numpy(), std, noise)


def _shared_dropout(module: nn.Dropout, args: tuple, output: torch.Tensor) -> torch.Tensor:
    """Dropout with one mask for the whole batch: each pass is one whole sampled network, so each
    sample is a smooth function of the input rather than independent noise at every point."""
    x = args[0]
    keep = (torch.rand((1, *x.shape[1:]), device=x.device) >= module.p).to(x.dtype)
    return x * keep / (1 - module.p)


def tensor_stats(tensor: torch.Tensor) -> TensorStats:
    values = tensor.detach().float().flatten()
    counts, edges = torch.histogram(values.cpu(), bins=HIST_BINS)
    return TensorStats(
        norm=float(values.norm()),
        mean=float(values.mean()),
        std=float(values.std()) if values.numel() > 1 else 0.0,
        counts=counts.numpy(),
        edges=edges.numpy(),
    )


def weight_stats(model: nn.Module) -> dict[str, TensorStats]:
    """Norm, mean, spread and histogram of every parameter, keyed ``block.weight``."""
    return {name: tensor_stats(p) for name, p in model.named_parameters()}


def gradient_stats(model: nn.Module) -> dict[str, TensorStats]:
    """The same for the gradients of the last backward pass (parameters without one are left out)."""
    return {name: tensor_stats(p.grad) for name, p in model.named_parameters() if p.grad is not None}


def block_gradient_norms(model: nn.Module) -> dict[str, float]:
    """One gradient norm per block: the lesson of vanishing and exploding gradients, over time. Read after
    the step, so with ``grad_clip`` on these are the clipped gradients the optimiser took."""
    squares: dict[str, float] = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            block = name.split(".", 1)[0]
            squares[block] = squares.get(block, 0.0) + float(p.grad.detach().float().pow(2).sum())
    return {block: value**0.5 for block, value in squares.items()}
