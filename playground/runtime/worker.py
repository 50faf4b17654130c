"""The training worker: a separate process that owns the Trainer. Commands arrive on a pipe; messages
(plain dataclasses of floats and numpy arrays, see messages.py) leave on a queue. A process, not a
thread: the GUI's painting and the training loop would otherwise take turns on one interpreter lock,
and a small network trains three to five times slower while its views are open. This module imports
neither Qt nor, until the process runs, torch."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from playground.core.files import weights_files
from playground.core.project_types import Project, TrainingConfig
from playground.runtime import views
from playground.runtime.messages import (
    Catalogue,
    DatasetInfo,
    Fields,
    Loaded,
    Points,
    Progress,
    Sampled,
    Snapshot,
    Stopped,
    Written,
)

PROGRESS_PERIOD = 1 / 20  # curves
EVAL_PERIOD = 0.25  # validation metrics ...
EVAL_SHARE = 0.1  # ... but evaluating (sampling a diffusion model, say) takes at most this share of the time
# Steps evaluated whatever the time: the curves change most in their first stretch, and a fast network is
# past step 500 within the first period.
EARLY_EVALS = frozenset({1, 2, 5, 10, 20, 50, 100, 200, 500})
SNAPSHOT_PERIOD = 1 / 5  # activations, gradients, the input plane
PROBE_EXAMPLES = 64
LINE_RESOLUTION = 200
SAMPLE_PERIOD = 3.0  # seconds between texts written by a language model while it trains
SAMPLE_LENGTH = 120


WORKER_NICENESS = 10
WINDOW_CORES = 1  # cores a large network's run leaves to the window
TRANSPORT = frozenset({"play", "steps", "epoch", "pause"})  # commands that start or stop training
COMMAND_POLL = 0.002  # seconds between looks at the command pipe while training
IDLE_WAIT = 1.0  # seconds an idle worker waits for a command at a time


def serve(commands: Connection, send: Callable[[object], None]) -> None:
    """The worker process's main function: run until told to quit, then send None."""

    # Let the window go first when both want the processor: with every core computing at equal
    # priority, the GUI stalls for 50-100 ms at a time (each run leaves it a core too, see _on_load).
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    _end_with_parent()
    try:
        WorkerLoop(commands, send).run()
    finally:
        send(None)


def _end_with_parent() -> None:
    """End this process the moment the window's is gone (killed), whatever it is doing: busy building a
    large network, or blocked writing to a pipe that nobody reads any more (a plain exit would wait for
    that write for ever)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="playground-parent-watch", daemon=True).start()


class WorkerLoop:
    def __init__(self, commands: Connection, send: Callable[[object], None]) -> None:
        self.commands = commands
        self.send = send
        self.trainer: Any = None
        self.run_id = 0
        self.playing = False
        self.step_target: int | None = None
        self.example_target: int | None = None
        self.speed = 0.0  # steps per second cap, 0: as fast as it goes
        self.threads: int | None = None  # CPU threads the user chose (None: by the network, nn/threads.py)
        self.focus: str | None = None
        self.transport = 0  # number of the last play/steps/epoch/pause command: a stop answers it
        self.example = 0
        self.points: Points | None = None
        self.prompt, self.temperature = "", 0.8
        self._reset_buffers()

    # --- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        self.send(self._catalogue())
        last_poll = 0.0
        while True:
            now = time.perf_counter()
            wait = self._wait() if self.playing else IDLE_WAIT
            if not self.playing or wait or now - last_poll >= COMMAND_POLL:
                last_poll = now
                if self.commands.poll(wait):
                    try:
                        command, payload, number = self.commands.recv()
                    except EOFError:  # the GUI process is gone
                        return
                    if command == "quit":
                        return
                    if command in TRANSPORT:
                        self.transport = number
                    self._handle(command, payload)
                    continue
            if self.playing:
                self._train_one()

    def _wait(self) -> float:
        if self.speed <= 0:
            return 0.0
        return max(0.0, self.last_step_at + 1 / self.speed - time.perf_counter())

    def _handle(self, command: str, payload: Any) -> None:
        try:
            getattr(self, f"_on_{command}")(payload)
        except Exception as exc:  # a failing command must never kill the thread; the GUI shows why
            self.playing = False
            self.send(Stopped(self.run_id, "error", f"{type(exc).__name__}: {exc}"))

    # --- commands --------------------------------------------------------------------------
    def _on_load(self, payload: tuple[int, Project, Path | None, str, Path | None]) -> None:
        """Build a run; with ``resume`` (a project's path without .json), bring back the trained state
        saved beside it."""
        from playground.nn.compile import CompileError
        from playground.nn.data import DataError, load_data
        from playground.nn.tasks import TaskError
        from playground.nn.trainer import Trainer

        self.run_id, project, base_dir, device, resume = payload
        self.playing = False
        self.trainer = None
        try:
            data = load_data(project.dataset, base_dir)
            self.send(Fields(self.run_id, project.dataset.id, tuple(data.train)))
            self.trainer = Trainer(project, device, base_dir, data=data)
            self._apply_threads()
        except CompileError as exc:
            self.send(Stopped(self.run_id, "failed", "\n".join(p.message for p in exc.problems)))
            return
        except (TaskError, DataError, ValueError, OSError) as exc:
            self.send(Stopped(self.run_id, "failed", str(exc)))
            return
        self._started(*(self._restore(resume) if resume is not None else ("", None)))

    def _restore(self, stem: Path) -> tuple[str, int | None]:
        """The weights and trainer state saved beside the project, or the run's start with the reason."""
        from playground.nn.checkpoint import CheckpointError, load_checkpoint, load_weights

        weights, state = weights_files(stem)
        try:
            if state.is_file():
                load_checkpoint(self.trainer, stem)
            else:
                load_weights(self.trainer, weights)
        except CheckpointError as exc:
            self.trainer.reset()
            return f"The saved weights were not used: {exc}. The network starts untrained.", None
        return (
            f"Trained weights restored from {weights.name} (step {self.trainer.step_count:,}): Play trains on, "
            "Reset starts again from the initial weights.",
            self.trainer.step_count,
        )

    def _started(self, restored: str = "", restored_step: int | None = None) -> None:
        import torch

        from playground.nn.probes import Probe

        trainer = self.trainer
        self.probe = Probe(trainer.compiled)
        self._reset_buffers()
        self.points = views.points(trainer)
        self.send(
            Loaded(
                self.run_id,
                str(trainer.device),
                trainer.steps_per_epoch(),
                trainer.data.num_classes,
                self.points,
                views.graph_layout(trainer),
                trainer.task.writes_text,
                "\n".join(trainer.notes()),
                restored,
                restored_step,
                torch.get_num_threads(),
            )
        )
        for record in trainer.history:  # a restored run: its curves so far, at the steps it was evaluated
            self.evaluations.append({k: v for k, v in record.items() if k != "seconds"})
            if "train_loss" in record:
                self.steps.append(record["step"])
                self.losses.append(record["train_loss"])
        self._evaluate()
        self._flush()
        self._snapshot()

    def _on_reset(self, payload: tuple[int, bool]) -> None:
        self.run_id, reseed = payload
        self.playing = False
        if self.trainer is not None:
            self.trainer.reset(reseed=reseed)
            self._started()

    def _on_checkpoint(self, stem: Path) -> None:
        """Save the run's weights and trainer state beside a project just saved (as ``train --save-weights``)."""
        from playground.nn.checkpoint import kept_note, save_checkpoint

        trainer = self.trainer
        if trainer is None or trainer.step_count == 0:
            self.send(Written("weights", error="there are no trained weights to save"))
            return
        try:
            files = save_checkpoint(trainer, stem)
        except OSError as exc:
            where = Path(exc.filename).parent if exc.filename else stem.parent
            self.send(
                Written(
                    "weights",
                    error=f"{where}: the trained weights cannot be written there ({exc.strerror or exc})"
                    + kept_note(stem),
                )
            )
            return
        step = trainer.step_count
        self.send(Written("weights", tuple(map(str, files)), f"the trained weights (step {step:,})", step=step))

    def _on_export(self, payload: tuple[Project, Path | None, str, Path, bool, str]) -> None:
        """Export the project, with the run's trained weights when ``trained`` (and there are some)."""
        from playground.nn.checkpoint import CheckpointError, weights_of
        from playground.nn.compile import CompileError
        from playground.nn.export import ExportError
        from playground.nn.export_run import export_project

        project, base_dir, fmt, target, trained, origin = payload
        trainer = self.trainer if trained else None
        state = weights_of(trainer.model) if trainer is not None and trainer.step_count else None
        try:
            files = export_project(project, base_dir, fmt, target, origin, state)
        except CompileError as exc:
            self.send(Written("export", error="\n".join(p.message for p in exc.problems)))
        except (CheckpointError, ExportError) as exc:
            self.send(Written("export", error=str(exc)))
        except OSError as exc:
            self.send(Written("export", error=f"{target}: cannot be written ({exc.strerror or exc})"))
        else:
            held = f"the trained weights (step {trainer.step_count:,})" if state is not None else "untrained weights"
            self.send(Written("export", tuple(map(str, files)), held))

    def _on_unload(self, run_id: int) -> None:
        self.run_id = run_id
        self.playing = False
        self.trainer = None

    def _on_play(self, _: None) -> None:
        """Train to the end of the project's epochs; once there (or with epochs 0), on until paused."""
        if self.trainer is not None:
            self._go(None, self._run_end())

    def _run_end(self) -> int | None:
        planned = self.trainer.examples_planned
        return planned if planned is not None and self.trainer.examples_seen < planned else None

    def _on_steps(self, count: int) -> None:
        if self.trainer is not None:
            self._go(self.trainer.step_count + count, None)

    def _on_epoch(self, _: None) -> None:
        if self.trainer is not None:
            per_epoch = self.trainer.task.examples
            self._go(None, (self.trainer.examples_seen // per_epoch + 1) * per_epoch)

    def _go(self, step_target: int | None, example_target: int | None) -> None:
        if self.trainer is None:
            return
        self.step_target, self.example_target = step_target, example_target
        self.playing = True
        self.window_start = (time.perf_counter(), self.trainer.step_count)

    def _on_pause(self, _: None) -> None:
        if self.playing:
            self._pause("paused")
        else:  # it stopped by itself (the end of its epochs) while the pause was on its way: say so
            self.send(Stopped(self.run_id, "paused", "", {"command": self.transport}))

    def _on_config(self, config: TrainingConfig) -> None:
        if self.trainer is not None:
            ending = self.playing and self.step_target is None and self.example_target == self._run_end()
            self.trainer.apply_config(config)
            if ending:  # a Play towards the end of the run follows a change of epochs
                self.example_target = self._run_end()

    def _on_sampling(self, payload: tuple[str, float]) -> None:
        self.prompt, self.temperature = payload
        if self.trainer is not None and not self.playing:
            self._sample()

    def _on_threads(self, count: int | None) -> None:
        self.threads = count
        if self.trainer is not None:
            self._apply_threads()
            self._flush()  # the panel shows the count at once

    def _apply_threads(self) -> None:
        from playground.nn import threads

        trainer = self.trainer
        threads.apply(trainer.project.graph, trainer.compiled.analysis, trainer.batch_size, self.threads, WINDOW_CORES)

    def _on_speed(self, steps_per_second: float) -> None:
        self.speed = float(steps_per_second)

    def _on_focus(self, payload: tuple[str | None, int]) -> None:
        self.focus, self.example = payload
        if self.trainer is not None and not self.playing:
            self._snapshot()

    # --- training --------------------------------------------------------------------------
    def _train_one(self) -> None:
        from playground.nn.tasks import TrainingStopped

        trainer = self.trainer
        try:
            report = trainer.step()
        except TrainingStopped as exc:
            self._pause("diverged", str(exc))
            return
        self.last_step_at = now = time.perf_counter()
        self.steps.append(report.step)
        self.losses.append(report.value)
        done = (self.step_target is not None and trainer.step_count >= self.step_target) or (
            self.example_target is not None and trainer.examples_seen >= self.example_target
        )
        if done:
            run_over = self.step_target is None and trainer.examples_seen >= (trainer.examples_planned or 0) > 0
            self._pause("done" if run_over else "finished")
            return
        if trainer.step_count in EARLY_EVALS or now - self.last_eval >= max(
            EVAL_PERIOD, self.eval_seconds / EVAL_SHARE
        ):
            self._evaluate()
        if now - self.last_flush >= PROGRESS_PERIOD:
            self._flush()
        if now - self.last_snapshot >= SNAPSHOT_PERIOD:
            self._snapshot()
        if now - self.last_sample >= SAMPLE_PERIOD:
            self._sample()

    def _pause(self, kind: str, message: str = "") -> None:
        from playground.nn.tasks import TrainingStopped

        self.playing = False
        try:
            self.trainer.read()  # the losses a GPU run has not read back yet
        except TrainingStopped as exc:
            kind, message = "diverged", str(exc)
        self._evaluate()
        self._flush()
        self._snapshot()
        self._sample()
        self.send(Stopped(self.run_id, kind, message, {"command": self.transport}))

    def _reset_buffers(self) -> None:
        self.steps: list[int] = []
        self.losses: list[Any] = []  # numbers, or tensors a GPU run has not read back yet
        self.evaluations: list[dict[str, float]] = []
        self.last_flush = self.last_eval = self.last_snapshot = self.last_step_at = self.last_sample = 0.0
        self.last_pictures = 0.0
        self.eval_seconds = 0.0  # how long the last evaluation took
        self.window_start = (time.perf_counter(), 0)
        self.rate = 0.0

    def _evaluate(self) -> None:
        trainer = self.trainer
        if trainer.history and trainer.history[-1]["step"] == trainer.step_count:
            return
        started = time.perf_counter()
        self.evaluations.append(dict(trainer.evaluate() | {"step": trainer.step_count, "epoch": trainer.epoch}))
        self.last_eval = time.perf_counter()
        self.eval_seconds = self.last_eval - started

    def _flush(self) -> None:
        import torch

        from playground.nn.trainer import read_losses

        trainer = self.trainer
        now = time.perf_counter()
        started, first_step = self.window_start
        if self.playing and now - started >= 0.5:
            self.rate = (trainer.step_count - first_step) / (now - started)
            self.window_start = (now, trainer.step_count)
        self.send(
            Progress(
                self.run_id,
                np.asarray(self.steps, dtype=np.int64),
                np.asarray(read_losses(self.losses), dtype=np.float64),
                trainer.step_count,
                trainer.epoch,
                trainer.elapsed,
                self.rate if self.playing else 0.0,
                trainer.lr_at(trainer.step_count),
                self.evaluations,
                torch.get_num_threads(),
                trainer.compile_status(),
            )
        )
        self.steps, self.losses, self.evaluations = [], [], []
        self.last_flush = now

    def _sample(self) -> None:
        """Let a language model write a little, seeded by the step (the training's random state is not
        touched, so Reset still replays the same run)."""
        task = self.trainer.task if self.trainer is not None else None
        self.last_sample = time.perf_counter()
        if task is None or not task.writes_text:
            return
        step = self.trainer.step_count
        text = task.sample(self.prompt, SAMPLE_LENGTH, self.temperature, seed=step)
        self.send(Sampled(self.run_id, step, self.prompt, text))

    # --- looking inside ----------------------------------------------------------------------
    def _snapshot(self) -> None:
        from playground.nn.probes import block_gradient_norms, line

        trainer, probe = self.trainer, self.probe
        count = PROBE_EXAMPLES
        inputs = trainer.task.probe_inputs(count)
        count = min(count, len(inputs[0])) if inputs else 0
        scores = trainer.task.scores_node
        inspection = probe.inspect(inputs, lambda out: trainer.task.probe_loss(out, count), at=scores)
        plane, curve = views.InputPlane(), None
        if self.points is not None and self.points.train_x.shape[1] == 2:
            plane = views.input_plane(trainer, probe, self.points.bounds)
        elif self.points is not None:
            along = line(trainer.compiled, self.points.bounds, LINE_RESOLUTION, variance=trainer.task.predicts_noise)
            epistemic = None if along.std is None else along.std[0]
            curve = (along.xs, along.mean[0], epistemic, None if along.noise is None else along.noise[0])
        made: dict[str, Any] = {"latent": views.embeddings(trainer)}
        now = time.perf_counter()
        if not self.playing or now - self.last_pictures >= trainer.task.picture_period:
            made.update(views.pictures(trainer))
            self.last_pictures = now
        self.send(
            Snapshot(
                self.run_id,
                trainer.step_count,
                block_gradient_norms(trainer.model),
                inspection.wire_gradients,
                plane.units,
                plane.output,
                views.detail(trainer, inspection, inputs, self.focus, self.example),
                curve,
                views.nodes(trainer, probe, inspection) if trainer.data.kind == "graph" else None,
                views.forecast(trainer, inputs, inspection),
                views.masks(trainer, inputs, inspection),
                fine_plane=plane.fine,
                weights=plane.weights,
                **made,
            )
        )
        self.last_snapshot = time.perf_counter()

    def _catalogue(self) -> Catalogue:
        from playground.nn.data import all_datasets
        from playground.nn.tasks import TASKS
        from playground.nn.trainer import available_devices

        datasets = [DatasetInfo(d.id, d.title, d.description, d.kind, d.params) for d in all_datasets()]
        return Catalogue(available_devices(), datasets, {task.id: task.knobs for task in TASKS.values()})
