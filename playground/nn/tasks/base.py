"""The task interface: a training recipe owns its loss, metrics, batching and evaluation.

The trainer knows nothing about what is learned. It gives a task a StepContext
whose ``update(group, loss)`` backpropagates and steps that group's optimiser, so
a recipe with several optimisers (a GAN) alternates updates itself, and the
trainer stays the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, InputInfo
from playground.nn.data.base import Data


class TaskError(Exception):
    """The project's network, dataset and task do not fit together; the message says how to fix it."""


class TrainingStopped(Exception):
    """Training cannot go on (the run stops; the process stays usable)."""


class Diverged(TrainingStopped):
    """The loss or the gradients stopped being finite numbers."""


class OutOfMemory(TrainingStopped):
    """A step did not fit in the device's memory."""


@dataclass(slots=True)
class StepResult:
    loss: float | torch.Tensor  # a tensor on the device when the context defers reading losses
    examples: int
    metrics: dict[str, float | torch.Tensor] = field(default_factory=dict)


class StepContext:
    """Handed to ``Task.train_step``: backpropagates a loss and steps one optimiser.

    ``deferred`` (training on a GPU) keeps each step's loss on the device instead of reading it back,
    which would make the CPU wait for the GPU every step: a loss or gradient norm that is not finite
    skips that update on the device (the fused kernels' ``found_inf``, as torch.amp's GradScaler
    uses it), and the trainer raises Diverged when it reads the losses, a few steps later."""

    def __init__(
        self,
        optimizers: dict[str, torch.optim.Optimizer],
        grad_clip: float,
        step: int,
        share: Callable[[torch.Tensor], torch.Tensor] = lambda batch: batch,
        deferred: bool = False,
    ) -> None:
        self.optimizers = optimizers
        self.grad_clip = grad_clip
        self.step = step
        self.share = share  # this process's part of a global batch (training in several, see distributed.py)
        self.deferred = deferred

    def update(self, group: str, loss: torch.Tensor) -> float | torch.Tensor:
        """Backpropagate ``loss`` and step the group's optimiser, unless the loss is not a finite number."""
        optimizer = self.optimizers[group]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for g in optimizer.param_groups for p in g["params"]] if self.grad_clip > 0 else []
        if self.deferred and optimizer.defaults.get("fused"):
            value = loss.detach()
            skip = ~torch.isfinite(value)
            if params:
                skip |= ~torch.isfinite(torch.nn.utils.clip_grad_norm_(params, self.grad_clip))
            optimizer.found_inf = skip.float()  # type: ignore[attr-defined]  # read by the fused kernels
            optimizer.step()
            return value
        return self._checked_step(optimizer, loss.item(), params)  # read once backward is queued: no idle GPU

    def _checked_step(self, optimizer: torch.optim.Optimizer, value: float, params: list[torch.Tensor]) -> float:
        """Step ``optimizer`` unless the loss (``value``) or the clipped gradients stopped being finite."""
        if not math.isfinite(value):
            optimizer.zero_grad(set_to_none=True)
            raise Diverged(diverged("loss", value, self.step))
        if params:
            norm = torch.nn.utils.clip_grad_norm_(params, self.grad_clip).item()
            if not math.isfinite(norm):
                raise Diverged(diverged("gradients", norm, self.step))
        optimizer.step()
        return value


def diverged(what: str, value: float, step: int) -> str:
    """The message of a run whose loss (or gradient) stopped being a finite number at ``step``."""
    return f"{what} became {'NaN' if math.isnan(value) else 'infinite'} at step {step}: try a lower learning rate"


def answer_readers(task: type[Task], inputs: list[tuple[str, str]]) -> list[str]:
    """A line for each Input (block id, the field it reads) that reads the answers ``task``'s loss compares
    the output with: such a network can copy them instead of learning (a student who wired the labels in
    passed an assignment at 100 %)."""
    return [
        f"Input '{block}' reads '{field}', the answers the loss compares the output with: a network that reads "
        "them can copy them instead of learning (it would score 100 % and know nothing); let it read the "
        "features ('x') instead"
        for block, field in inputs
        if field in task.answers
    ]


class Task:
    """Base class of training recipes. Subclasses set ``kinds`` (dataset kinds they accept)."""

    id: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ()
    knobs: ClassVar[tuple[str, ...]] = ()  # the recipe's own training settings (kl_weight, ...), read every step
    picture_period: ClassVar[float] = 0.5  # seconds between two ``pictures`` while training
    pictured: ClassVar[tuple[str, ...]] = ()  # the live views ``pictures`` may fill (nn/live/views.py ids)
    writes_text: ClassVar[bool] = False  # has ``sample(prompt, n, temperature, seed)``: a language model
    scores_node: str | None = None  # the fx node the loss reads when that is not the network's output
    loss_note: str = ""  # one line for the panel about how the loss reads the network
    predicts_noise: bool = False  # the output is means then log-variances (the Gaussian NLL loss)
    # The dataset fields the loss compares the network's output with: an Input that reads one reads the
    # answers. A recipe that conditions on labels on purpose (a conditional generator) does not list them.
    answers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        if data.kind not in self.kinds:
            raise TaskError(
                f"dataset '{data.id}' holds {data.kind} data, which the '{self.id}' task cannot train on"
                f" (it takes {', '.join(self.kinds)})"
            )
        self.compiled = compiled
        self.model: nn.Module = compiled.module
        self.data = data
        self.config = config
        self.device = device

    # --- what the trainer calls ------------------------------------------------
    def groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameter groups, one optimiser each."""
        return {"model": list(self.model.parameters())}

    @property
    def examples(self) -> int:
        """Training examples in one epoch."""
        raise NotImplementedError

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        raise NotImplementedError

    def evaluate(self) -> dict[str, float]:
        raise NotImplementedError

    def train_through(self, wrap: Callable[[nn.Module], nn.Module]) -> bool:
        """Run training steps through ``wrap(module)`` (DistributedDataParallel, taking ``ctx.share`` of each
        batch; torch.compile); False for a recipe that steps its network's parts itself (GAN, diffusion,
        policy gradient, node classification, VAE), which trains it as it is."""
        del wrap
        return False

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        """A fixed batch of validation inputs for looking at activations."""
        raise NotImplementedError

    def probe_loss(self, prediction: torch.Tensor, count: int) -> torch.Tensor | None:
        """The training loss of ``prediction`` (what the loss reads on ``probe_inputs(count)``: the
        network's output, or the ``scores_node``), for looking at the gradient that flows along each
        wire; None where a task has no such loss."""
        del prediction, count
        return None

    def pictures(self) -> dict[str, Any]:
        """What the recipe makes, for the live views named in ``pictured`` (nn/live/views.py), by view
        id: ``latent`` (title, codes (n, d),
        labels), ``reconstructions``, ``grid`` and ``prior`` (rows of images), ``generated`` (data,
        samples and trajectories of 2-D points) or ``episode`` (a control task played once); numpy
        arrays only, and never a change to the training's random state."""
        return {}

    def confusion(self) -> np.ndarray | None:
        """(true class, predicted class) counts on the validation split, for classification tasks."""
        return None

    def state(self) -> dict[str, torch.Tensor]:
        """Tensors that make batching resumable (for checkpoints)."""
        return {}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        del state

    # --- helpers for subclasses --------------------------------------------------
    def bind_inputs(self, split: dict[str, torch.Tensor]) -> list[str]:
        """The dataset field that feeds each Input block, checked against the declared shape and type; an
        Input that reads the answers is refused (``answer_readers``)."""
        fields = []
        for line in answer_readers(type(self), [(info.block, info.data) for info in self.compiled.inputs]):
            raise TaskError(line)
        for info in self.compiled.inputs:
            if info.data not in split:
                raise TaskError(
                    f"Input '{info.block}' reads the field '{info.data}', but dataset '{self.data.id}' has "
                    f"{', '.join(sorted(k for k in split if k != 'mask'))}: set its data parameter to one of them"
                )
            self._check_input(info, split[info.data])
            values = [split[info.data], *([self.data.val[info.data]] if info.data in self.data.val else [])]
            self.check_tokens(info.block, values)
            fields.append(info.data)
        return fields

    def check_tokens(self, block: str, values: list[torch.Tensor]) -> None:
        """Integer tokens that the Input ``block`` gives straight to an Embedding must each have a row in
        it (torch raises ``IndexError: index out of range in self`` at the first batch otherwise)."""
        graph = self.compiled.graph
        if graph is None or not values or values[0].is_floating_point():
            return
        low = min(int(v.min()) for v in values if v.numel())
        high = max(int(v.max()) for v in values if v.numel())
        for link in graph.links:
            if link.src != block or graph.blocks[link.dst].type != "embedding":
                continue
            rows = self.compiled.analysis.params[link.dst]["num_embeddings"]
            if low < 0 or high >= rows:
                raise TaskError(
                    f"Embedding '{link.dst}' has {rows:,} rows (num_embeddings) but the tokens of Input '{block}' "
                    f"go from {low:,} to {high:,}: set num_embeddings to at least {high + 1:,}"
                )

    def _check_input(self, info: InputInfo, tensor: torch.Tensor) -> None:
        declared = tuple(tensor.shape[0] if isinstance(d, str) else d for d in info.shape[1:])
        found = tuple(tensor.shape[1:])
        if declared != found:
            example = format_shape(("N", *found))
            raise TaskError(
                f"Input '{info.block}' is declared as {format_shape(info.shape)} but dataset '{self.data.id}' gives "
                f"its '{info.data}' field as {example}: set the Input's shape to {list(found)}"
            )
        integer = not tensor.is_floating_point()
        if integer != (info.dtype == "long"):
            wanted = "long (integer token ids)" if integer else "float (real numbers)"
            raise TaskError(f"Input '{info.block}' must have dtype {wanted} for the field '{info.data}'")

    def classifier(self) -> nn.Module:
        """The network up to the scores its final Softmax, LogSoftmax or Sigmoid receives (the whole
        network when it ends otherwise): a classification loss reads those scores, the logits, as
        Keras' ``from_logits=True`` does, so the probabilities are never squashed twice."""
        final = self.compiled.final
        if final is not None:
            self.scores_node = final.logits.name
            self.loss_note = (
                f"The loss reads the scores entering {final.title} '{final.block}' (the logits); "
                "the network still outputs probabilities."
            )
        return self.compiled.logits_module()

    def notes(self) -> list[str]:
        """Lines for the user about choices made for them: how the data was read, how the loss reads."""
        return [note for note in (self.data.note, self.loss_note) if note]

    def single_output(self) -> str:
        if len(self.compiled.outputs) != 1:
            raise TaskError(
                f"the '{self.id}' task trains a network with exactly one Output block, "
                f"but this one has {len(self.compiled.outputs)}"
            )
        return self.compiled.outputs[0]

    def output_shape(self) -> tuple[Any, ...]:
        return self.compiled.output_shapes[self.single_output()]


class EpochSampler:
    """Shuffled indices, a fresh permutation each epoch; the last batch of an epoch may be short."""

    def __init__(self, n: int, seed: int, device: torch.device) -> None:
        self.n = n
        self.device = device
        self.generator = torch.Generator().manual_seed(seed)
        self.perm = torch.empty(0, dtype=torch.long, device=device)
        self.cursor = 0

    def next(self, size: int) -> torch.Tensor:
        if self.cursor >= len(self.perm):
            self.perm = torch.randperm(self.n, generator=self.generator).to(self.device)  # once per epoch
            self.cursor = 0
        index = self.perm[self.cursor : self.cursor + size]
        self.cursor += len(index)
        return index

    def state(self) -> dict[str, torch.Tensor]:
        return {
            "sampler.generator": self.generator.get_state(),
            "sampler.perm": self.perm.cpu(),
            "sampler.cursor": torch.tensor([self.cursor]),
        }

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        """Raises ValueError for a state that is not this sampler's (another dataset's order, a cursor past it)."""
        perm, cursor = state["sampler.perm"], state["sampler.cursor"]
        if perm.dim() != 1 or (len(perm) and not torch.equal(perm.sort().values, torch.arange(self.n))):
            raise ValueError(f"the saved order of the examples is not an order of this dataset's {self.n:,}")
        if cursor.shape != (1,) or not 0 <= int(cursor[0]) <= len(perm):
            raise ValueError("the saved place in the epoch is outside it")
        self.generator.set_state(state["sampler.generator"])
        self.perm = perm.to(self.device)
        self.cursor = int(cursor[0])


class ShuffledTask(Task):
    """A recipe that takes its batches from a split's examples in a shuffled order, a new one each
    epoch (``self.batches``, made by ``shuffle``); the order is part of its resumable state."""

    batches: EpochSampler

    def shuffle(self, examples: int) -> None:
        self.batches = EpochSampler(examples, self.config.seed, self.device)

    @property
    def examples(self) -> int:
        return self.batches.n

    def state(self) -> dict[str, torch.Tensor]:
        return self.batches.state()

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        self.batches.load_state(state)


def batched(tensors: Iterable[torch.Tensor], size: int) -> Iterable[tuple[torch.Tensor, ...]]:
    """Slices of at most ``size`` examples, for evaluating large splits without running out of memory."""
    tensors = list(tensors)
    n = tensors[0].shape[0]
    for start in range(0, n, size):
        yield tuple(t[start : start + size] for t in tensors)
