"""``playground train``: a headless run with a progress bar, plain lines, or JSON lines."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import torch

from playground.core.machine import size_text
from playground.core.project_types import Project
from playground.core.project_write import to_document
from playground.nn import threads
from playground.nn.checkpoint import CheckpointError, kept_note, load_checkpoint, save_checkpoint
from playground.nn.compile import CompileError
from playground.nn.data.base import DataError
from playground.nn.data.image_folder import reading
from playground.nn.distributed import ALONE, World, join, leave, mean, world_from_env
from playground.nn.recording import EARLY_STEPS, MB, Recording, write_run
from playground.nn.tasks.base import Diverged, TaskError, TrainingStopped
from playground.nn.trainer import StepReport, Trainer, out_of_memory

EXIT_OK, EXIT_BAD_PROJECT, EXIT_UNWRITABLE, EXIT_DIVERGED, EXIT_DEVICE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
SPACE_MARGIN = 1 << 20  # the trainer state's history, random state and headers
BAR_WIDTH = 28
BAR_INTERVAL = 0.1  # seconds between redraws of the progress bar
UNTIL_STOPPED_EVAL = 200  # steps between evaluations of a run without an end (epochs 0)
DOES_NOT_FIT = "the network or its data does not fit in memory here"


class Reporter:
    """Writes progress as JSON lines, as a one-line progress bar (terminal), or as plain lines."""

    def __init__(self, out: TextIO, as_json: bool, total: int) -> None:
        self.out = out
        self.json = as_json
        self.bar = not as_json and out.isatty()
        self.total = total
        self.start = time.perf_counter()
        self.last_metrics: dict[str, float] = {}
        self.last_draw = 0.0

    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 3)

    def _emit(self, record: dict) -> None:
        print(json.dumps(record, sort_keys=True), file=self.out, flush=True)

    def tick(self, report: StepReport, done: int) -> None:
        now = time.perf_counter()
        if not self.bar or (now - self.last_draw < BAR_INTERVAL and (not self.total or done < self.total)):
            return
        self.last_draw = now
        metric = " ".join(f"{k} {v:.4g}" for k, v in self.last_metrics.items() if k.startswith("val_"))
        if self.total:
            filled = int(BAR_WIDTH * done / self.total)
            where = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.total}"
        else:
            where = f"step {done} (Ctrl+C stops)"
        line = f"\r{where} epoch {report.epoch:.1f} loss {report.loss:.4g} {rate(report):.0f} steps/s {metric}"
        print(line[:160], end="", file=self.out, flush=True)

    def progress(self, report: StepReport, loss: float, metrics: dict[str, float], done: int) -> None:
        self.last_metrics = metrics
        if self.json:
            self._emit(
                {
                    "event": "progress",
                    "step": report.step,
                    "epoch": round(report.epoch, 4),
                    "loss": loss,
                    "lr": report.lr,
                    "metrics": metrics,
                    "seconds": self.seconds(),
                    "steps_per_second": round(rate(report), 1),
                }
            )
        elif self.bar:
            self.tick(report, done)
        else:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
            print(
                f"step {report.step:>7}  epoch {report.epoch:8.2f}  loss {loss:.4f}  {rate(report):6.0f} steps/s  "
                f"{shown}",
                file=self.out,
                flush=True,
            )

    def finish(self, event: str, trainer: Trainer, message: str = "", metrics: dict[str, float] | None = None) -> None:
        seconds = self.seconds()
        if self.json:
            record = {
                "event": event,
                "step": trainer.step_count,
                "epoch": round(trainer.epoch, 4),
                "seconds": seconds,
                "metrics": metrics or {},
                "device": str(trainer.device),
                "threads": torch.get_num_threads(),
                "compile_seconds": trainer.compile_seconds,
            }
            if message:
                record["message"] = message
            self._emit(record)
            return
        if self.bar:
            print(file=self.out)
        if event == "done":
            rate = trainer.step_count / seconds if seconds > 0 else math.inf
            shown = ", ".join(f"{k} {v:.4f}" for k, v in (metrics or {}).items())
            print(
                f"done: {trainer.step_count} steps ({trainer.epoch:.1f} epochs) in {seconds:.1f} s on "
                f"{trainer.device} ({rate:.0f} steps/s); {shown}",
                file=self.out,
            )
        if trainer.compile_seconds is not None:
            print(trainer.compile_status(), file=self.out)


def rate(report: StepReport) -> float:
    """Training steps per second so far (pauses and evaluations excluded)."""
    return report.step / report.seconds if report.seconds > 0 else 0.0


def reading_lines(err: TextIO) -> Callable[[int, int], None]:
    """Progress of decoding an image folder: a line redrawn on a terminal, otherwise a line a quarter."""
    shown = [0]

    def progress(done: int, total: int) -> None:
        if err.isatty():
            print(f"\rreading images: {done:,} of {total:,}", end="\n" if done == total else "", file=err, flush=True)
        elif done == total or done * 4 // total > shown[0]:
            shown[0] = done * 4 // total
            print(f"reading images: {done:,} of {total:,}", file=err, flush=True)

    return progress


def build_trainer(
    project: Project,
    path: Path,
    device: str = "cpu",
    seed: int | None = None,
    world: World = ALONE,
    err: TextIO | None = None,
) -> Trainer | list[str]:
    """The project ready to train (its data read, its network compiled and fitted to the data and the
    task), or what stands in the way, one line each naming the file. An image folder being decoded
    says how far it is on ``err``."""
    try:
        with reading(reading_lines(err)) if err is not None else contextlib.nullcontext():
            return Trainer(project, device=device, base_dir=path.parent, seed=seed, world=world)
    except (DataError, TaskError) as exc:
        return [f"{path}: {exc}"]
    except CompileError as exc:
        return [f"{path}: {problem.message}" for problem in exc.problems]
    except RuntimeError as exc:
        if not out_of_memory(exc):
            raise
        return [f"{path}: {DOES_NOT_FIT} ({str(exc).splitlines()[0][:160]})"]


def run_training(project: Project, path: Path, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Train in this process, or, started by torchrun, as one rank of several (see distributed.py): rank 0
    alone prints, evaluates and writes the weights."""
    world = world_from_env()
    if world.size == 1:
        return _train(project, path, args, args.device, ALONE, out, err)
    device = join(world, args.device)
    with open(os.devnull, "w") as quiet:  # the other ranks say nothing
        code = _train(project, path, args, device, world, out if world.main else quiet, err if world.main else quiet)
    leave()
    return code


def _train(
    project: Project, path: Path, args: argparse.Namespace, device: str, world: World, out: TextIO, err: TextIO
) -> int:
    stem = path.with_suffix("")
    if args.save_weights and world.main:
        unwritable = _unwritable(stem)
        if unwritable:
            print(f"{stem.parent}: the weights cannot be written there ({unwritable}): nothing was trained", file=err)
            return EXIT_UNWRITABLE
    if args.record is not None and world.main:
        if not project.training.record_mb:
            print(f"{path}: its training.record_mb is 0, which records nothing: nothing was trained", file=err)
            return EXIT_BAD_PROJECT
        unusable = _unusable_record_folder(args.record)
        if unusable:
            print(f"{args.record}: {unusable}: nothing was trained", file=err)
            return EXIT_UNWRITABLE
    trainer = build_trainer(project, path, device, args.seed, world, err)
    if isinstance(trainer, list):
        for line in trainer:
            print(line, file=err)
        return EXIT_BAD_PROJECT
    short = _short_of_space(stem, trainer) if args.save_weights and world.main else ""
    if short:
        print(f"{stem.parent}: {short}: nothing was trained", file=err)
        return EXIT_UNWRITABLE
    if args.resume:
        try:
            note = load_checkpoint(trainer, stem)
        except CheckpointError as exc:
            print(str(exc), file=err)
            return EXIT_BAD_PROJECT
        if note:
            print(f"{path}: {note}", file=err)
    recording: Recording | None = None
    if args.record is not None and world.main:
        recording = Recording(project.training.record_mb * MB)
        recording.offer(trainer)  # the network before its first step
    code = _loop(trainer, project, path, args, world, out, err, recording)
    if recording is not None:
        try:
            write_run(recording, trainer, to_document(project), args.record, path)
        except OSError as exc:
            print(f"{exc.filename or args.record}: the run was not recorded ({exc.strerror or exc})", file=err)
        else:
            kept = f"{len(recording.keyframes):,} keyframes" + (f" ({recording.refused})" if recording.refused else "")
            print(f"recorded {kept} in {args.record}", file=err if args.json else out)
    return code


def _unusable_record_folder(folder: Path) -> str:
    """Why a run cannot be recorded into ``folder`` ("" when it can: a new or empty folder, made now)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        return "is not an empty folder, and a recording replaces nothing: choose a new one"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot be made ({exc.strerror or exc})"
    return _unwritable(folder / "run")


def _loop(
    trainer: Trainer,
    project: Project,
    path: Path,
    args: argparse.Namespace,
    world: World,
    out: TextIO,
    err: TextIO,
    recording: Recording | None,
) -> int:
    stem = path.with_suffix("")
    per_epoch = trainer.steps_per_epoch()
    epochs = args.epochs or project.training.epochs
    total = args.steps or epochs * per_epoch  # 0: the project trains until stopped (epochs 0), here Ctrl+C
    if total:
        trainer.horizon = trainer.step_count + total
    run = trainer.run(steps=args.steps) if args.steps else trainer.run(epochs=epochs or None)
    eval_every = args.eval_every or (max(1, total // 20) if total else UNTIL_STOPPED_EVAL)
    reporter = Reporter(out, args.json, total)
    count, why = threads.apply(project.graph, trainer.compiled.analysis, trainer.batch_size, args.threads)
    if trainer.device.type == "cpu" and not args.json:
        print(f"on the CPU with {count} thread{'s' if count > 1 else ''} ({why}; --threads N to choose)", file=out)
    for note in [] if args.json else trainer.notes():
        print(note, file=out)
    compile_note = trainer.compile_note
    loss_sum: float | torch.Tensor = 0.0  # on the device when the trainer defers reading losses
    loss_count, done = 0, 0
    metrics: dict[str, float] = {}
    try:
        for report in run:
            done += 1
            loss_sum = loss_sum + report.value
            loss_count += 1
            if recording is not None and trainer.step_count in EARLY_STEPS and done % eval_every:
                recording.offer(trainer)  # denser early, where learning changes fastest
            if done % eval_every == 0:
                trainer.read()
                loss = mean(float(loss_sum) / loss_count, world, trainer.device)
                metrics = trainer.evaluate() if world.main else {}
                if recording is not None:
                    recording.offer(trainer)
                reporter.progress(report, loss, metrics, done)
                loss_sum, loss_count = 0.0, 0
            else:
                reporter.tick(report, done)
    except KeyboardInterrupt:
        if total:  # a run with an end, stopped before it: said in a line, its weights kept if asked to
            reporter.finish("interrupted", trainer, f"stopped by Ctrl+C at step {trainer.step_count:,}")
            print(f"{path}: stopped by Ctrl+C at step {trainer.step_count:,} of {total:,}", file=err)
            saved = _save(trainer, stem, args, world, out, err)
            return EXIT_INTERRUPTED if saved == EXIT_OK else saved
    except Diverged as exc:
        reporter.finish("diverged", trainer, str(exc))
        print(f"{path}: training stopped: {exc}", file=err)
        return EXIT_DIVERGED
    except TrainingStopped as exc:
        reporter.finish("stopped", trainer, str(exc))
        print(f"{path}: training stopped: {exc}", file=err)
        return EXIT_DEVICE
    except RuntimeError as exc:  # an evaluation that did not fit (a step's is a TrainingStopped)
        if not out_of_memory(exc):
            raise
        reporter.finish("stopped", trainer, str(exc))
        print(f"{path}: training stopped: out of memory ({str(exc).splitlines()[0][:160]})", file=err)
        return EXIT_DEVICE
    if world.main and (loss_count or not metrics):
        metrics = trainer.evaluate()
        if recording is not None:
            recording.offer(trainer)
    if trainer.compile_note != compile_note:  # torch.compile failed at the first step
        print(f"{path}: {trainer.compile_note}", file=err)
    reporter.finish("done", trainer, metrics=metrics)
    return _save(trainer, stem, args, world, out, err)


def _unwritable(stem: Path) -> str:
    """Why files cannot be written beside ``stem`` ("" when they can): found before a run, not after it."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{stem.name}.", suffix=".tmp", dir=stem.parent)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(name)
    return ""


def _short_of_space(stem: Path, trainer: Trainer) -> str:
    """Why the weights and trainer state will not fit beside ``stem`` ("" when they will): a full disk is
    found before the run, not at its end. They take the weights about three times over (the weights, and
    an optimiser's two running averages), written beside the pair they replace."""
    weights = sum(p.numel() * p.element_size() for p in trainer.model.parameters())
    needed = 3 * weights + SPACE_MARGIN
    free = shutil.disk_usage(stem.parent).free
    if free >= needed:
        return ""
    return f"the disk has {size_text(free)} free, and the weights and trainer state need about {size_text(needed)}"


def _save(trainer: Trainer, stem: Path, args: argparse.Namespace, world: World, out: TextIO, err: TextIO) -> int:
    """With --save-weights, the weights and trainer state as a pair; a Ctrl+C meanwhile waits for the save
    to end (then exits as interrupted), and a failed save keeps the pair saved before."""
    if not (args.save_weights and world.main):
        return EXIT_OK
    with _sigint_deferred() as interrupted:
        try:
            weights, state = save_checkpoint(trainer, stem)
        except OSError as exc:
            print(
                f"{exc.filename or stem.parent}: the weights were not saved ({exc.strerror or exc}){kept_note(stem)}",
                file=err,
            )
            return EXIT_UNWRITABLE
    if not args.json:
        print(f"saved {weights} and {state} (step {trainer.step_count:,})", file=out)
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[list[int]]:
    """Ctrl+C during the block is noted (the list gets an entry) instead of breaking a save in two."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)
