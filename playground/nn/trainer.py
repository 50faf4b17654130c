"""The training loop: one step at a time, driven from outside (CLI, GUI worker, tests).

``run()`` is a generator: pulling from it trains, not pulling pauses, closing it
stops. ``step()`` trains exactly one batch. ``reset()`` returns to the very same
initial weights, data order and random state, so the same seed gives the same
loss sequence. Learning rate and batch size may change between any two steps.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from playground.core.project_types import Project, TrainingConfig, settings_where
from playground.nn.compile import CompiledModel, compile_graph
from playground.nn.data.base import Data, held_out, load_data
from playground.nn.distributed import ALONE, World, wrapper
from playground.nn.optimizers import make_optimizer
from playground.nn.tasks import make_task
from playground.nn.tasks.base import (
    Diverged,
    OutOfMemory,
    StepContext,
    StepResult,
    Task,
    TaskError,
    TrainingStopped,
    diverged,
)

DEVICES = ("auto", "cpu", "cuda", "mps")
READ_EVERY = 32  # deferred steps between two reads of their losses (one wait for the GPU)


def available_devices() -> list[str]:
    """Every device this machine can train on: cpu, then cuda:0, cuda:1, ..., then mps."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    return names


def pick_device(name: str) -> torch.device:
    """``auto`` takes the first GPU there is; an unavailable device is refused with a plain reason."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if torch.backends.mps.is_available() else torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise TaskError(f"'{name}' is not a device (use one of {', '.join(DEVICES)})") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TaskError("CUDA is not available on this machine (no NVIDIA GPU or a CPU-only PyTorch): use --device cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise TaskError(f"there is no GPU {device.index}; this machine has {torch.cuda.device_count()}")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise TaskError("Apple MPS is not available on this machine: use --device cpu")
    if device.type not in ("cpu", "cuda", "mps"):
        raise TaskError(f"Playground trains on cpu, cuda or mps, not {device.type}")
    return device


def _compiled(module: torch.nn.Module) -> torch.nn.Module:
    """``module`` compiled with torch.compile (which returns it wrapped, still a module)."""
    compiled: torch.nn.Module = torch.compile(module)  # type: ignore[assignment]  # its stub returns a callable
    return compiled


@dataclass(slots=True)
class StepReport:
    """What one training step did. ``seconds`` is training time so far, pauses excluded. ``value`` is the
    loss, a tensor still on the device until the trainer reads it (``Trainer.deferred``)."""

    step: int
    epoch: float
    value: float | torch.Tensor
    lr: float
    batch_size: int
    seconds: float

    @property
    def loss(self) -> float:
        return float(self.value)


def read_losses(values: list[float | torch.Tensor]) -> list[float]:
    """Losses as numbers, those still on a device read back in one copy."""
    tensors = [v for v in values if isinstance(v, torch.Tensor)]
    if not tensors:
        return [float(v) for v in values]
    read = iter(torch.stack(tensors).tolist())
    return [next(read) if isinstance(v, torch.Tensor) else float(v) for v in values]


class Trainer:
    def __init__(
        self,
        project: Project,
        device: str = "auto",
        base_dir: Path | None = None,
        seed: int | None = None,
        data: Data | None = None,
        world: World = ALONE,
        deferred: bool | None = None,
    ) -> None:
        """``deferred`` reads the losses back every ``READ_EVERY`` steps instead of every step (the
        default on a GPU, where reading waits for the device)."""
        self.project = project
        self.world = world
        self.config = project.training if seed is None else dataclasses.replace(project.training, seed=seed)
        self.device = pick_device(device)
        self.deferred = self.device.type == "cuda" if deferred is None else deferred
        self.data = held_out(data or load_data(project.dataset, base_dir), project).to(self.device)
        self.lr = self.config.lr
        self.batch_size = self.config.batch_size
        self.horizon: int | None = None
        self._build()

    # --- set-up ------------------------------------------------------------------
    def _build(self) -> None:
        torch.manual_seed(self.config.seed)  # initial weights, then dropout masks
        self.compiled: CompiledModel = compile_graph(self.project.graph)
        self.model = self.compiled.module.to(self.device).train()
        self.task: Task = make_task(self.compiled, self.data, self.config, self.device)
        if self.world.size > 1 and not self.task.train_through(wrapper(self.device)):
            raise TaskError(
                f"the '{self.task.id}' task trains in one process only; the supervised tasks (classification, "
                "regression, autoencoder) and the language model train in several"
            )
        self.compile_note = ""  # why the network trains without torch.compile although the project asks for it
        self.compile_seconds: float | None = None  # the first compiled step, compilation included
        self.compiling = self.config.compile and self.task.train_through(_compiled)
        if self.config.compile and not self.compiling:
            self.compile_note = (
                f"The '{self.task.id}' task trains without torch.compile: it steps the network's parts itself."
            )
        self._initial_weights = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self._initial_rng = self.rng_state()
        self._initial_task = {k: v.clone() for k, v in self.task.state().items()}
        self._start()

    def _start(self) -> None:
        groups = self.task.groups()
        for name, params in groups.items():
            if not params:
                what = "The network" if name == "model" else f"The {name}"
                raise TaskError(
                    f"{what} has no weights to learn: add a block that has some (Linear, Conv2d, Embedding, ...)"
                )
        self.optimizers = {name: make_optimizer(self.config, ps) for name, ps in groups.items()}
        self._ctx = StepContext(self.optimizers, self.config.grad_clip, 0, self.world.share, self.deferred)
        self._unread: list[StepReport] = []  # deferred steps whose loss is still on the device
        self.lr_applied: float | None = None  # the learning rate the optimisers hold (None: set it next step)
        self.step_count = 0
        self.examples_seen = 0
        self.elapsed = 0.0
        self.history: list[dict[str, Any]] = []

    def rng_state(self) -> dict[str, torch.Tensor]:
        state = {"rng.torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            state["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def set_rng_state(self, state: dict[str, torch.Tensor]) -> None:
        torch.set_rng_state(state["rng.torch"])
        if "rng.cuda" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng.cuda"], self.device)

    # --- knobs -------------------------------------------------------------------------
    def set_lr(self, lr: float) -> None:
        """The base learning rate from the next step on (schedules scale it)."""
        if not (isinstance(lr, int | float) and math.isfinite(lr) and 0 < lr <= 10):
            raise ValueError(f"the learning rate must be a number above 0 and at most 10, not {lr!r}")
        self.lr = float(lr)

    def set_batch_size(self, batch_size: int) -> None:
        if not isinstance(batch_size, int) or not 1 <= batch_size <= 1 << 20:
            raise ValueError(f"the batch size must be a whole number from 1 to 1048576, not {batch_size!r}")
        self.batch_size = batch_size

    def apply_config(self, config: TrainingConfig) -> list[str]:
        """Take the knobs that can change mid-run (learning rate, batch size, optimiser and its settings,
        clipping, schedule, epochs, the recipes' own knobs) from ``config`` at once; return the names of the changed settings
        that need a fresh start instead (task, loss, seed, compile), leaving those as they were."""
        restart = [name for name in settings_where(live=False) if getattr(config, name) != getattr(self.config, name)]
        live = dataclasses.replace(config, **{name: getattr(self.config, name) for name in restart})
        self.set_lr(live.lr)
        self.set_batch_size(live.batch_size)
        rebuild = (live.optimizer, live.nesterov) != (self.config.optimizer, self.config.nesterov)
        self.config = self.task.config = live
        self._ctx.grad_clip = live.grad_clip
        for name, optimizer in self.optimizers.items():
            if rebuild:
                params = [p for group in optimizer.param_groups for p in group["params"]]
                self.optimizers[name] = make_optimizer(live, params)
                continue
            for group in optimizer.param_groups:
                group["weight_decay"] = live.weight_decay
                if "momentum" in group:
                    group["momentum"] = live.momentum
        self._ctx.optimizers = self.optimizers
        self.lr_applied = None
        return restart

    def notes(self) -> list[str]:
        """Lines for the user about choices made for them (the task's, and torch.compile's)."""
        compiling = ["The first step compiles the network with torch.compile."] if self.compiling else []
        return [*self.task.notes(), *compiling, *([self.compile_note] if self.compile_note else [])]

    def compile_status(self) -> str:
        """What torch.compile did, once the first step has run: how long it took, or why it was not used."""
        if self.compile_seconds is not None:
            return f"torch.compile compiled the network in {self.compile_seconds:.1f} s (the first step)."
        return self.compile_note

    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.task.examples / (self.batch_size * self.world.size)))

    def lr_at(self, step: int) -> float:
        schedule = self.config.schedule
        if schedule == "step":
            return self.lr * self.config.gamma ** (step // self.config.step_size)
        if schedule == "cosine":
            # over the run's epochs; a run without an end (epochs 0) anneals over step_size steps
            horizon = self.horizon or self.config.epochs * self.steps_per_epoch() or self.config.step_size
            return self.lr * 0.5 * (1 + math.cos(math.pi * min(step, horizon) / horizon))
        return self.lr

    @property
    def epoch(self) -> float:
        return self.examples_seen / self.task.examples

    @property
    def examples_planned(self) -> int | None:
        """Examples a full run sees (the project's epochs), None for a run until stopped (epochs 0)."""
        return self.config.epochs * self.task.examples if self.config.epochs else None

    @property
    def lr_used(self) -> float:
        """The learning rate the last step used (before any step: the first one's), as ``train --json``
        and the window's status line say it."""
        return self.lr_at(max(self.step_count - 1, 0))

    # --- training ------------------------------------------------------------------------
    def step(self) -> StepReport:
        """Train on one batch. Raises TrainingStopped (Diverged for NaN/Inf) when it cannot go on."""
        lr = self.lr_at(self.step_count)
        if lr != self.lr_applied:
            for optimizer in self.optimizers.values():
                for group in optimizer.param_groups:
                    group["lr"] = lr
            self.lr_applied = lr
        self._ctx.step = self.step_count + 1
        start = time.perf_counter()
        try:
            result = self._train_step()
        except torch.cuda.OutOfMemoryError:
            self.release_memory()
            raise OutOfMemory(
                f"the {self.device.type.upper()} device ran out of memory at step {self.step_count + 1}: "
                "try a smaller batch size or a smaller network"
            ) from None
        except RuntimeError as exc:
            if not out_of_memory(exc):
                raise
            self.release_memory()
            raise OutOfMemory(
                f"the {self.device.type.upper()} ran out of memory at step {self.step_count + 1} "
                f"({str(exc).strip().splitlines()[0][:160]}): try a smaller batch size or a smaller network"
            ) from None
        self.elapsed += time.perf_counter() - start
        if self.compiling:
            self.compiling, self.compile_seconds = False, time.perf_counter() - start
        self.step_count += 1
        self.examples_seen += result.examples
        report = StepReport(self.step_count, self.epoch, result.loss, lr, self.batch_size, self.elapsed)
        if isinstance(result.loss, torch.Tensor):
            self._unread.append(report)
            if len(self._unread) >= READ_EVERY:
                self.read()
        return report

    def _train_step(self) -> StepResult:
        """The task's step; the first compiled one compiles, and where torch.compile fails the network
        trains as it is from then on (the failed step's batch is skipped)."""
        try:
            return self.task.train_step(self._ctx, self.batch_size * self.world.size)
        except Exception as exc:
            if not self.compiling or isinstance(exc, TrainingStopped | torch.cuda.OutOfMemoryError):
                raise
            self.task.train_through(lambda module: getattr(module, "_orig_mod", module))  # the eager module
            self.compiling = False
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            self.compile_note = f"torch.compile could not compile this network ({reason}): it trains without."
            return self.task.train_step(self._ctx, self.batch_size * self.world.size)

    def read(self) -> None:
        """Read the deferred steps' losses back (one copy) and raise Diverged at the first that is not
        a finite number; its update, and those of the steps after it that were not finite, were skipped."""
        reports, self._unread = self._unread, []
        for report, value in zip(reports, read_losses([r.value for r in reports]), strict=True):
            report.value = value
            if not math.isfinite(value):
                raise Diverged(diverged("loss", value, report.step))

    def release_memory(self) -> None:
        for optimizer in self.optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def run(self, steps: int | None = None, epochs: int | None = None) -> Iterator[StepReport]:
        """Train step by step, yielding after each, for ``steps`` more steps or up to ``epochs`` more epoch
        boundaries (both None: until the generator is closed)."""
        step_target = None if steps is None else self.step_count + steps
        per_epoch = self.task.examples
        example_target = None if epochs is None else (self.examples_seen // per_epoch + epochs) * per_epoch
        while (step_target is None or self.step_count < step_target) and (
            example_target is None or self.examples_seen < example_target
        ):
            yield self.step()
        self.read()

    def run_epoch(self) -> list[StepReport]:
        return list(self.run(epochs=1))

    def evaluate(self) -> dict[str, float]:
        """Metrics on the validation (and a fixed slice of the training) split; also kept in ``history``."""
        metrics = self.task.evaluate()
        self.history.append({"step": self.step_count, "epoch": self.epoch, "seconds": self.elapsed, **metrics})
        return metrics

    def evaluate_held_out(self) -> dict[str, float]:
        """The validation metrics measured on an assignment's held-out test examples instead (named as the
        goals name them, ``val_accuracy``); not kept in ``history``. Only the grader asks for them."""
        if self.data.test is None:
            raise ValueError("this project's data holds no test examples out")
        shown = self.task.data
        self.task.data = dataclasses.replace(shown, val=self.data.test)
        try:
            return {name: value for name, value in self.task.evaluate().items() if name.startswith("val_")}
        finally:
            self.task.data = shown

    def reset(self, reseed: bool = False) -> None:
        """Back to step 0: the same initial weights and data order, or (reseed) new ones from the next seed."""
        if reseed:
            self.config = dataclasses.replace(self.config, seed=(self.config.seed + 1) % (1 << 31))
            self._build()
            return
        self.model.load_state_dict(self._initial_weights)
        self.set_rng_state(self._initial_rng)
        self.task.load_state(self._initial_task)
        self._start()


def out_of_memory(exc: BaseException) -> bool:
    """A device's allocation failure: CUDA's "out of memory", the CPU's "DefaultCPUAllocator: can't allocate"."""
    text = str(exc)
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text or "can't allocate memory" in text
