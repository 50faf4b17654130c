"""The training worker: a separate process that owns the Trainer. Commands (runtime/protocol.py) arrive
on a pipe and are handled by the method registered for their class; messages (runtime/messages.py:
plain dataclasses of floats and numpy arrays) leave on a queue, most of them made by reports.py. A
process, not a thread: the GUI's painting and the training loop would otherwise take turns on one
interpreter lock, and a small network trains three to five times slower while its views are open.
The window's process never imports this module (runtime/protocol.serve starts it by name)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import torch

from playground.core.run_index import RunError
from playground.nn import threads
from playground.nn.checkpoint import (
    CheckpointError,
    kept_note,
    resume,
    save_checkpoint,
    weights_of,
)
from playground.nn.compile import CompileError
from playground.nn.data.base import DataError, all_datasets, held_out, load_data
from playground.nn.data.image_folder import reading
from playground.nn.export import ExportError
from playground.nn.export_run import export_project
from playground.nn.live import inside
from playground.nn.live.reports import Reporter
from playground.nn.recording import Recording, continue_from, open_recording
from playground.nn.tasks import TASKS
from playground.nn.tasks.base import TaskError, TrainingStopped
from playground.nn.trainer import Trainer, available_devices, out_of_memory
from playground.runtime import protocol as p
from playground.runtime.messages import Catalogue, DatasetInfo, Fields, Loaded, Reading, StopKind, Stopped, Written

WORKER_NICENESS = 10
WINDOW_CORES = 1  # cores a large network's run leaves to the window
COMMAND_POLL = 0.002  # seconds between looks at the command pipe while training
IDLE_WAIT = 1.0  # seconds an idle worker waits for a command at a time

C = TypeVar("C", bound=p.Command)
HANDLERS: dict[type[p.Command], Callable[[WorkerLoop, Any], None]] = {}


def handles(kind: type[C]) -> Callable[[Callable[[WorkerLoop, C], None]], Callable[[WorkerLoop, C], None]]:
    """Register the method that carries out commands of class ``kind``."""

    def register(method: Callable[[WorkerLoop, C], None]) -> Callable[[WorkerLoop, C], None]:
        HANDLERS[kind] = method
        return method

    return register


def serve(commands: Connection, send: Callable[[object], None]) -> None:
    """The worker process's main function: run until told to quit, then send None."""

    # Let the window go first when both want the processor: with every core computing at equal
    # priority, the GUI stalls for 50-100 ms at a time (each run leaves it a core too, see _apply_threads).
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
        self.trainer: Trainer | None = None
        self.report: Reporter | None = None
        self.run_id = 0
        self.playing = False
        self.step_target: int | None = None
        self.example_target: int | None = None
        self.speed = 0.0  # steps per second cap, 0: as fast as it goes
        self.last_step_at = 0.0
        self.threads: int | None = None  # CPU threads the user chose (None: by the network, nn/threads.py)
        self.focus = p.Focus(None)
        self.sampling = p.Sampling("", 0.8)
        self.transport = 0  # number of the last play/steps/epoch/pause command: a stop answers it

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
                        command, number = self.commands.recv()
                    except EOFError:  # the GUI process is gone
                        return
                    if isinstance(command, p.Quit):
                        return
                    if command.transport:
                        self.transport = number
                    self._handle(command)
                    continue
            if self.playing:
                self._guarded(self._train_one)

    def _wait(self) -> float:
        if self.speed <= 0:
            return 0.0
        return max(0.0, self.last_step_at + 1 / self.speed - time.perf_counter())

    def _handle(self, command: p.Command) -> None:
        self._guarded(lambda: HANDLERS[type(command)](self, command))

    def _guarded(self, work: Callable[[], None]) -> None:
        """A failing command or step must never kill the worker: the run stops and the GUI shows why."""
        try:
            work()
        except Exception as exc:
            self.playing = False
            self.send(Stopped(self.run_id, "error", f"{type(exc).__name__}: {exc}"))

    # --- building a run --------------------------------------------------------------------
    @handles(p.Load)
    def _load(self, command: p.Load) -> None:
        self.run_id = command.run
        self.playing = False
        self.trainer = self.report = None
        try:
            with reading(lambda done, total: self.send(Reading(self.run_id, done, total))):
                data = held_out(load_data(command.project.dataset, command.base_dir), command.project)
            self.send(Fields(self.run_id, command.project.dataset.id, tuple(data.train)))
            if data.id == "images":
                self.send(inside.thumbnails(self.run_id, command.project.dataset, data))
            self.trainer = trainer = Trainer(command.project, command.device, command.base_dir, data=data)
            self._apply_threads(trainer)
        except CompileError as exc:
            self.send(Stopped(self.run_id, "failed", "\n".join(problem.message for problem in exc.problems)))
            return
        except (TaskError, DataError, ValueError, OSError) as exc:
            self.send(Stopped(self.run_id, "failed", str(exc)))
            return
        if command.recorded is not None:
            self._open_recorded(trainer, command.recorded)
            return
        self._started(trainer, *(resume(trainer, command.resume) if command.resume is not None else ("", None)))

    def _open_recorded(self, trainer: Trainer, folder: Path) -> None:
        try:
            recording = open_recording(trainer, folder)
        except (RunError, CheckpointError) as exc:
            self.send(Stopped(self.run_id, "failed", f"The recorded run was not opened: {exc}"))
            return
        note = (
            f"The run recorded in {folder} is open at its last keyframe (step {trainer.step_count:,}): the "
            f"timeline goes back through its {len(recording.keyframes):,} keyframes; Play trains on from there."
        )
        self._started(trainer, note, trainer.step_count, recording)

    def _started(
        self, trainer: Trainer, restored: str = "", restored_step: int | None = None, recording: Recording | None = None
    ) -> None:
        self.report = report = Reporter(trainer, self.run_id, self.send, self.focus, self.sampling, recording)
        self.send(
            Loaded(
                self.run_id,
                str(trainer.device),
                trainer.steps_per_epoch(),
                trainer.data.num_classes,
                report.points,
                inside.graph_layout(trainer),
                trainer.task.writes_text,
                "\n".join(trainer.notes()),
                restored,
                restored_step,
                torch.get_num_threads(),
                report.views,
            )
        )
        if report.recording.keyframes:  # a branch's or an opened run's, on the timeline at once
            report.say_recorded()
        report.everything()

    @handles(p.Reset)
    def _reset(self, command: p.Reset) -> None:
        self.run_id = command.run
        self.playing = False
        if self.trainer is not None:
            self.trainer.reset(reseed=command.reseed)
            self._started(self.trainer)

    @handles(p.Branch)
    def _branch(self, command: p.Branch) -> None:
        trainer, report = self._loaded()
        self.run_id = command.run
        self.playing = False
        recording = report.recording.until(command.step)
        if recording.keyframes:
            continue_from(trainer, recording.keyframes[-1])
        self._started(trainer, recording=recording)

    @handles(p.Unload)
    def _unload(self, command: p.Unload) -> None:
        self.run_id = command.run
        self.playing = False
        self.trainer = self.report = None

    # --- files -------------------------------------------------------------------------------
    @handles(p.SaveWeights)
    def _save_weights(self, command: p.SaveWeights) -> None:
        """Save the run's weights and trainer state beside a project just saved (as ``train --save-weights``)."""
        trainer, stem = self.trainer, command.stem
        if trainer is None or trainer.step_count == 0:
            self.send(Written("weights", error="there are no trained weights to save"))
            return
        try:
            files = save_checkpoint(trainer, stem)
        except OSError as exc:
            where = Path(exc.filename).parent if exc.filename else stem.parent
            error = f"{where}: the trained weights cannot be written there ({exc.strerror or exc})"
            self.send(Written("weights", error=error + kept_note(stem)))
            return
        step = trainer.step_count
        self.send(Written("weights", tuple(map(str, files)), f"the trained weights (step {step:,})", step=step))

    @handles(p.Export)
    def _export(self, command: p.Export) -> None:
        """Export the project, with the run's trained weights when asked (and there are some)."""
        trainer = self.trainer if command.trained else None
        state = weights_of(trainer.model) if trainer is not None and trainer.step_count else None
        try:
            files = export_project(
                command.project, command.base_dir, command.fmt, command.target, command.origin, state
            )
        except CompileError as exc:
            self.send(Written("export", error="\n".join(problem.message for problem in exc.problems)))
        except (CheckpointError, ExportError) as exc:
            self.send(Written("export", error=str(exc)))
        except OSError as exc:
            self.send(Written("export", error=f"{command.target}: cannot be written ({exc.strerror or exc})"))
        else:
            step = trainer.step_count if trainer is not None else 0
            held = f"the trained weights (step {step:,})" if state is not None else "untrained weights"
            self.send(Written("export", tuple(map(str, files)), held))

    # --- the transport -------------------------------------------------------------------------
    @handles(p.Play)
    def _play(self, command: p.Play) -> None:
        if self.trainer is not None:
            self._go(None, self._run_end(self.trainer))

    @staticmethod
    def _run_end(trainer: Trainer) -> int | None:
        planned = trainer.examples_planned
        return planned if planned is not None and trainer.examples_seen < planned else None

    @handles(p.Steps)
    def _steps(self, command: p.Steps) -> None:
        if self.trainer is not None:
            self._go(self.trainer.step_count + command.count, None)

    @handles(p.Epoch)
    def _epoch(self, command: p.Epoch) -> None:
        if self.trainer is not None:
            per_epoch = self.trainer.task.examples
            self._go(None, (self.trainer.examples_seen // per_epoch + 1) * per_epoch)

    def _go(self, step_target: int | None, example_target: int | None) -> None:
        self.step_target, self.example_target = step_target, example_target
        self.playing = True
        self._loaded()[1].started()

    @handles(p.Pause)
    def _pause_command(self, command: p.Pause) -> None:
        if self.playing:
            self._pause("paused")
        else:  # it stopped by itself (the end of its epochs) while the pause was on its way: say so
            self.send(Stopped(self.run_id, "paused", "", {"command": self.transport}))

    # --- settings ------------------------------------------------------------------------------
    @handles(p.Configure)
    def _configure(self, command: p.Configure) -> None:
        if self.trainer is not None:
            ending = self.playing and self.step_target is None and self.example_target == self._run_end(self.trainer)
            self.trainer.apply_config(command.config)
            if ending:  # a Play towards the end of the run follows a change of epochs
                self.example_target = self._run_end(self.trainer)

    @handles(p.Sampling)
    def _sampling(self, command: p.Sampling) -> None:
        self.sampling = command
        if self.report is not None:
            self.report.sampling = command
            if not self.playing:
                self.report.sample()

    @handles(p.Threads)
    def _threads(self, command: p.Threads) -> None:
        self.threads = command.count
        if self.trainer is not None:
            self._apply_threads(self.trainer)
            self._loaded()[1].flush(self.playing)  # the panel shows the count at once

    def _apply_threads(self, trainer: Trainer) -> None:
        threads.apply(trainer.project.graph, trainer.compiled.analysis, trainer.batch_size, self.threads, WINDOW_CORES)

    @handles(p.Speed)
    def _speed(self, command: p.Speed) -> None:
        self.speed = float(command.steps_per_second)

    @handles(p.Show)
    def _show(self, command: p.Show) -> None:
        if self.report is not None:
            self.report.show(command.step)

    @handles(p.Cell)
    def _cell(self, command: p.Cell) -> None:
        if self.trainer is not None:
            found = inside.cell_images(self.trainer, self.run_id, command.true, command.predicted)
            if found is not None:
                self.send(found)

    @handles(p.Focus)
    def _focus(self, command: p.Focus) -> None:
        self.focus = command
        if self.report is not None:
            self.report.focus = command
            if not self.playing or self.report.shown is not None:
                self.report.snapshot(False)

    # --- training --------------------------------------------------------------------------
    def _loaded(self) -> tuple[Trainer, Reporter]:
        """The run's trainer and reporter, for what only a loaded run does (training, pausing)."""
        if self.trainer is None or self.report is None:
            raise RuntimeError("no run is loaded")
        return self.trainer, self.report

    def _train_one(self) -> None:
        trainer, report = self._loaded()
        try:
            result = trainer.step()
        except TrainingStopped as exc:
            self._pause("diverged", str(exc))
            return
        self.last_step_at = time.perf_counter()
        done = (self.step_target is not None and trainer.step_count >= self.step_target) or (
            self.example_target is not None and trainer.examples_seen >= self.example_target
        )
        report.keep(result.step, result.value)
        if done:
            run_over = self.step_target is None and trainer.examples_seen >= (trainer.examples_planned or 0) > 0
            self._pause("done" if run_over else "finished")
            return
        report.due(self.playing)

    def _pause(self, kind: StopKind, message: str = "") -> None:
        self.playing = False
        trainer, report = self._loaded()
        try:
            trainer.read()  # the losses a GPU run has not read back yet
        except TrainingStopped as exc:
            kind, message = "diverged", str(exc)
        try:
            report.everything()
            report.sample()
        except RuntimeError as exc:  # out of memory again, in the evaluation after a step that was
            if not out_of_memory(exc):
                raise
            trainer.release_memory()
            message = f"{message}; evaluating the network ran out of memory too".lstrip("; ")
        self.send(Stopped(self.run_id, kind, message, {"command": self.transport}))

    def _catalogue(self) -> Catalogue:
        datasets = [DatasetInfo(d.id, d.title, d.description, d.kind, d.params) for d in all_datasets()]
        return Catalogue(available_devices(), datasets, {task.id: task.knobs for task in TASKS.values()})
