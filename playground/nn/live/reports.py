"""What a run tells the window while it trains, and how often: its curves (Progress), evaluations,
what the network looks like inside (Snapshot, with the live views' payloads), and the text a language
model writes (Sampled). The worker (worker.py) hands each training step's loss to ``keep`` and asks
``due`` what else is due."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from playground.nn.live import inside, views
from playground.nn.probes import Probe, block_gradient_norms
from playground.nn.recording import EARLY_STEPS, MB, Recording, Shown
from playground.nn.tasks.language_model import LanguageModelTask
from playground.nn.trainer import Trainer, read_losses
from playground.runtime import protocol as p
from playground.runtime.messages import PlaneLook, Points, Progress, Recorded, Sampled, Snapshot

PROGRESS_PERIOD = 1 / 20  # curves
EVAL_PERIOD = 0.25  # validation metrics ...
EVAL_SHARE = 0.1  # ... but evaluating (sampling a diffusion model, say) takes at most this share of the time
SNAPSHOT_PERIOD = 1 / 5  # activations, gradients, the input plane
PROBE_EXAMPLES = 64
SAMPLE_PERIOD = 3.0  # seconds between texts written by a language model while it trains
SAMPLE_LENGTH = 120


class Reporter:
    """The messages of one run (``run_id``), with the steps and evaluations not sent yet."""

    def __init__(
        self,
        trainer: Trainer,
        run_id: int,
        send: Callable[[object], None],
        focus: p.Focus,
        sampling: p.Sampling,
        recording: Recording | None = None,
    ) -> None:
        self.trainer, self.run_id, self.send = trainer, run_id, send
        self.probe = Probe(trainer.compiled)
        self.points: Points | None = inside.points(trainer)
        self.views = views.applying(trainer)
        self.focus = focus  # the block looked at closely, and the example whose feature maps are shown
        self.sampling = sampling  # what a language model writes from, and how adventurously
        self.steps: list[int] = []
        self.losses: list[Any] = []  # numbers, or tensors a GPU run has not read back yet
        self.evaluations: list[dict[str, float]] = []
        self.last_flush = self.last_eval = self.last_snapshot = self.last_sample = self.last_pictures = 0.0
        self.eval_seconds = 0.0  # how long the last evaluation took
        self.window_start = (time.perf_counter(), trainer.step_count)
        self.rate = 0.0
        self.recording = recording or Recording(trainer.config.record_mb * MB)  # a branch's carries over
        self.shown: int | None = None  # the recorded step the views show (None: live)
        for record in trainer.history:  # a restored run: its curves so far, at the steps it was evaluated
            self.evaluations.append({k: v for k, v in record.items() if k != "seconds"})
            if "train_loss" in record:
                self.steps.append(record["step"])
                self.losses.append(record["train_loss"])

    def started(self) -> None:
        """Training (re)starts now: the steps-per-second window opens."""
        self.window_start = (time.perf_counter(), self.trainer.step_count)

    def keep(self, step: int, loss: Any) -> None:
        """A training step's loss, for the next Progress."""
        self.steps.append(step)
        self.losses.append(loss)

    def due(self, playing: bool) -> None:
        """Between training steps: evaluate, send the curves, look inside, let a language model write,
        each when its time has come."""
        now = time.perf_counter()
        if self.trainer.step_count in EARLY_STEPS or now - self.last_eval >= max(
            EVAL_PERIOD, self.eval_seconds / EVAL_SHARE
        ):
            self.evaluate()
        if now - self.last_flush >= PROGRESS_PERIOD:
            self.flush(playing)
        if self.shown is None and now - self.last_snapshot >= SNAPSHOT_PERIOD:  # the past does not change
            self.snapshot(playing)
        if self.shown is None and now - self.last_sample >= SAMPLE_PERIOD:
            self.sample()

    def everything(self) -> None:
        """The evaluation, the curves and a look inside, now (a run built, paused or stopped)."""
        self.evaluate()
        self.flush(False)
        self.snapshot(False)

    def evaluate(self) -> None:
        trainer = self.trainer
        if trainer.history and trainer.history[-1]["step"] == trainer.step_count:
            return
        started = time.perf_counter()
        self.evaluations.append(dict(trainer.evaluate() | {"step": trainer.step_count, "epoch": trainer.epoch}))
        self.last_eval = time.perf_counter()
        self.eval_seconds = self.last_eval - started
        if self.recording.offer(trainer):
            self.say_recorded()

    def say_recorded(self) -> None:
        """The steps the recording keeps (the timeline's), and why it stopped if it did."""
        self.send(Recorded(self.run_id, self.recording.steps, self.recording.refused))

    def show(self, step: int | None) -> None:
        """The views at the recording's keyframe of ``step`` from now on (None: live again), at once."""
        self.shown = step if step is None or self.recording.keyframes else None
        self.snapshot(False)
        if step is not None:
            self.sample()

    def flush(self, playing: bool) -> None:
        trainer = self.trainer
        now = time.perf_counter()
        started, first_step = self.window_start
        if playing and now - started >= 0.5:
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
                self.rate if playing else 0.0,
                trainer.lr_used,
                self.evaluations,
                torch.get_num_threads(),
                trainer.compile_status(),
            )
        )
        self.steps, self.losses, self.evaluations = [], [], []
        self.last_flush = now

    def sample(self) -> None:
        """Let a language model write a little, seeded by the step (the training's random state is not
        touched, so Reset still replays the same run); the network shown writes (a recorded step's too)."""
        task = self.trainer.task
        self.last_sample = time.perf_counter()
        if not task.writes_text or not isinstance(task, LanguageModelTask):
            return
        prompt, temperature = self.sampling.prompt, self.sampling.temperature

        def write(step: int, recorded: bool) -> None:
            text = task.sample(prompt, SAMPLE_LENGTH, temperature, seed=step)
            self.send(Sampled(self.run_id, step, prompt, text))

        self._as_shown(write)

    def snapshot(self, playing: bool) -> None:
        self._as_shown(lambda step, recorded: self._look(playing, step, recorded))

    def _as_shown(self, work: Callable[[int, bool], None]) -> None:
        """``work(step, recorded)`` on the network the views show: live, or the keyframe of the step shown."""
        if self.shown is None:
            work(self.trainer.step_count, False)
            return
        with Shown(self.trainer, self.recording.at(self.shown)) as keyframe:
            work(keyframe.step, True)

    def _look(self, playing: bool, step: int, recorded: bool) -> None:
        """A Snapshot of the network as the trainer's model holds it now."""
        trainer, probe = self.trainer, self.probe
        inputs = trainer.task.probe_inputs(PROBE_EXAMPLES)
        count = min(PROBE_EXAMPLES, len(inputs[0])) if inputs else 0
        inspection = probe.inspect(inputs, lambda out: trainer.task.probe_loss(out, count), at=trainer.task.scores_node)
        plane = PlaneLook()
        if self.points is not None and self.points.train_x.shape[1] == 2:
            plane = inside.input_plane(trainer, probe, self.points.bounds)
        now = time.perf_counter()
        pictures = None
        if not playing or now - self.last_pictures >= trainer.task.picture_period:
            pictures = trainer.task.pictures() if trainer.task.pictured else {}
            self.last_pictures = now
        look = views.Look(trainer, probe, inspection, inputs, self.points, pictures, self.focus.block)
        self.send(
            Snapshot(
                self.run_id,
                step,
                block_gradient_norms(trainer.model),
                inspection.wire_gradients,
                plane,
                inside.detail(trainer, inspection, inputs, self.focus.block, self.focus.example),
                views.make_all(self.views, look),
                recorded,
            )
        )
        self.last_snapshot = time.perf_counter()
