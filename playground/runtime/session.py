"""The GUI's handle on training. It starts the worker process (protocol.serve, by name), sends it
commands (protocol.py), and passes on, as Qt signals in the GUI thread, only the messages of the current
run: a message from before a Reset or a restart is dropped."""

from __future__ import annotations

import atexit
import dataclasses
import gc
import signal
import weakref
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from playground.core.project_types import Project, TrainingConfig
from playground.runtime import process as processes
from playground.runtime import protocol as p
from playground.runtime.messages import (
    Catalogue,
    CellImages,
    Fields,
    Loaded,
    Progress,
    Reading,
    Recorded,
    Sampled,
    Snapshot,
    Stopped,
    Thumbnails,
    Written,
)
from playground.runtime.protocol import State

_LIVE: weakref.WeakSet[TrainingSession] = weakref.WeakSet()
_RECEIVERS: list[Receiver] = []  # every receiver not yet stopped (see Receiver)
_COLLECTOR: list[GuiThreadCollector] = []  # one for the process, made with the first receiver
COLLECT_MS = 1000  # how often the GUI thread collects what automatic collection would have
WATCH_MS = 250  # how often the session looks whether the worker process is still alive
QUIT_WAIT = 1.0  # seconds a closing window waits for the worker to end by itself
WRITE_WAIT = 60.0  # ... or, while it writes weights or an export asked for, for it to finish them


def death_message(exitcode: int) -> str:
    """What the panel says when the worker process is gone (a negative exit code is the signal)."""
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "a signal"
        cause = ", perhaps out of memory" if -exitcode == signal.SIGKILL else ""
        how = f"was killed ({name}, signal {-exitcode}){cause}"
    else:
        how = f"ended unexpectedly (exit code {exitcode})"
    return f"The training process {how}. Your project and curves are kept: press Play to start again."


@atexit.register
def _stop_workers() -> None:
    for session in list(_LIVE):
        session.shutdown()
    for receiver in _RECEIVERS:  # also those of sessions dropped without a shutdown (a window never closed)
        receiver.stop()


class GuiThreadCollector(QObject):
    """Python's cyclic garbage collection in the GUI thread only: automatic collection off, and a timer
    collects each generation when automatic collection would have (pyqtgraph's GarbageCollector does the
    same, but importing it brings the widgets into a module that has only QtCore). A collection started
    in the thread that receives the worker's messages can destroy Qt objects of a closed window there and
    deadlock with the GUI thread: seen in the suite, ~QObject in that thread waiting for the interpreter
    lock while the GUI thread, holding it, waited for Qt's lock."""

    def __init__(self) -> None:
        super().__init__()
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(COLLECT_MS)

    def collect(self) -> None:
        if gc.isenabled():  # turned back on since (a library, a test): off again
            gc.disable()
        counts = gc.get_count()
        oldest = -1
        while oldest < 2 and counts[oldest + 1] > self.threshold[oldest + 1]:
            oldest += 1
        if oldest >= 0:
            gc.collect(oldest)


def collect_in_gui_thread() -> None:
    """Made sure of by every Receiver as it is made (in the GUI thread): no receiving thread runs while
    collection is automatic."""
    if not _COLLECTOR:
        _COLLECTOR.append(GuiThreadCollector())
    elif gc.isenabled():
        gc.disable()


class Receiver(QThread):
    """Waits on the worker's queue (off the GUI thread) and hands each message on as a queued signal.
    Every one started is kept in ``_RECEIVERS`` until it has stopped: a QThread destroyed while it runs
    aborts the process ("QThread: Destroyed while thread is still running"), which a session dropped
    without a shutdown did at the interpreter's exit."""

    received = Signal(object)

    def __init__(self, queue: Any) -> None:
        super().__init__()
        collect_in_gui_thread()
        self.queue = queue
        _RECEIVERS.append(self)

    def stop(self) -> None:
        if self.isRunning():
            # The wake-up goes through a feeder thread that Python joins at exit: with the queue's pipe
            # full (a worker killed mid-message, nobody reading) that join never returns, and the
            # process would hang after its work is done. The wake-up is not worth waiting for.
            self.queue.cancel_join_thread()
            self.queue.put(None)
            self.wait(5000)
        if not self.isRunning() and self in _RECEIVERS:
            _RECEIVERS.remove(self)

    def run(self) -> None:
        while True:
            message = self.queue.get()
            if message is None:
                return
            self.received.emit(message)


class TrainingSession(QObject):
    catalogued = Signal(object)  # Catalogue
    loaded = Signal(object)  # Loaded
    fields_known = Signal(object)  # Fields
    reading = Signal(object)  # Reading: an image folder being decoded
    thumbnails = Signal(object)  # Thumbnails: the image folder as read
    cell_shown = Signal(object)  # CellImages: the images behind a cell of the confusion matrix
    progressed = Signal(object)  # Progress
    snapshotted = Signal(object)  # Snapshot
    recorded = Signal(object)  # Recorded: the steps the time machine keeps
    stopped = Signal(object)  # Stopped
    sampled = Signal(object)  # Sampled
    written = Signal(object)  # Written: weights saved, an export made (or why not)
    state_changed = Signal(str)  # a protocol.State

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.run = 0
        self.state: State = "idle"
        self._sent = 0  # commands posted, numbered
        self._transport = 0  # the number of the latest play/steps/epoch/pause
        self.pausing = False  # a pause was asked for and the worker has not answered yet
        self.catalogue: Catalogue | None = None
        self.project: Project | None = None  # the snapshot being trained
        self.writing = 0  # weights or exports asked for and not yet written
        self.dead = False  # the worker process has died; the next load, reset or unload starts another
        self.threads: int | None = None  # CPU threads the user chose (None: Playground chooses per network)
        self.watch = QTimer(self)
        self.watch.setInterval(WATCH_MS)
        self.watch.timeout.connect(self._check_worker)
        # A run's messages, each passed on by its signal.
        self._signals = {
            Loaded: self.loaded,
            Fields: self.fields_known,
            Reading: self.reading,
            Thumbnails: self.thumbnails,
            CellImages: self.cell_shown,
            Progress: self.progressed,
            Snapshot: self.snapshotted,
            Recorded: self.recorded,
            Sampled: self.sampled,
            Stopped: self.stopped,
        }
        self._start_worker()
        _LIVE.add(self)

    @property
    def process(self) -> BaseProcess:
        return self.worker.process

    def _start_worker(self) -> None:
        self.worker = processes.WORKERS.start()
        self.receiver = Receiver(self.worker.results)
        self.receiver.received.connect(self._received)  # a bound method of this GUI-thread object: queued
        self.receiver.start()
        self.dead = False
        self.watch.start()
        if self.threads is not None:  # a worker started after another died keeps the user's choice
            self.post(p.Threads(self.threads))

    def _check_worker(self) -> None:
        """Notice a worker that died (out of memory, a crash in native code): say so and keep the project."""
        code = self.process.exitcode
        if code is None or self.dead:
            return
        self.dead = True
        self.watch.stop()
        self.receiver.stop()
        self.worker.commands.close()
        self.pausing = False
        self._set_state("failed")
        self.stopped.emit(Stopped(self.run, "died", death_message(code)))

    def _revive(self) -> None:
        if self.dead:
            self._start_worker()

    def post(self, command: p.Command) -> None:
        self._sent += 1
        if command.transport:
            self._transport = self._sent
        if self.dead:
            return  # nobody to tell; the panel already says that the process died
        try:
            self.worker.commands.send((command, self._sent))
        except (BrokenPipeError, OSError):
            self._check_worker()

    # --- commands --------------------------------------------------------------------------
    def load(
        self,
        project: Project,
        base_dir: Path | None,
        device: str,
        resume: Path | None = None,
        recorded: Path | None = None,
    ) -> int:
        """Start a new run on a snapshot of ``project`` (later edits do not reach it), from the trained
        state saved at ``resume`` (a project path without .json), or from the recorded run in the folder
        ``recorded``, if given. Returns its id."""
        self._revive()
        self.run += 1
        self.project = dataclasses.replace(project, graph=project.graph.copy())
        self.post(p.Load(self.run, self.project, base_dir, device, resume, recorded))
        self._set_state("loading")
        return self.run

    def unload(self) -> None:
        self._revive()
        self.run += 1
        self.project = None
        self.post(p.Unload(self.run))
        self._set_state("idle")

    def reset(self, reseed: bool = False) -> None:
        self.run += 1
        self.post(p.Reset(self.run, reseed))
        self._set_state("loading")

    def branch(self, step: int) -> None:
        """A new run from the recorded step ``step`` of this one (answered by Loaded, as a Reset is)."""
        self.run += 1
        self.post(p.Branch(self.run, step))
        self._set_state("loading")

    def play(self) -> None:
        self.pausing = False
        self.post(p.Play())
        self._set_state("running")

    def pause(self) -> None:
        self.pausing = self.state == "running"
        self.post(p.Pause())

    def step(self, count: int = 1) -> None:
        self.pausing = False
        self.post(p.Steps(count))
        self._set_state("running")

    def epoch(self) -> None:
        self.pausing = False
        self.post(p.Epoch())
        self._set_state("running")

    def configure(self, config: TrainingConfig) -> None:
        """Knobs that apply to a running trainer (see messages.LIVE_SETTINGS)."""
        if self.project is not None:
            self.project.training = config
        self.post(p.Configure(config))

    def set_threads(self, count: int | None) -> None:
        """The CPU threads training computes with, from now on (None: chosen by the network's size)."""
        self.threads = count
        self.post(p.Threads(count))

    def set_speed(self, steps_per_second: float) -> None:
        self.post(p.Speed(steps_per_second))

    def set_sampling(self, prompt: str, temperature: float) -> None:
        """What a language model's live samples start from, and how adventurous they are."""
        self.post(p.Sampling(prompt, temperature))

    def set_focus(self, block_id: str | None, example: int = 0) -> None:
        self.post(p.Focus(block_id, example))

    def show_step(self, step: int | None) -> None:
        """Show the network at the recording's keyframe of ``step`` (None: live); answered by a Snapshot."""
        self.post(p.Show(step))

    def show_cell(self, true: int, predicted: int) -> None:
        """Ask for the validation images of one confusion-matrix cell (answered by ``cell_shown``)."""
        self.post(p.Cell(true, predicted))

    def save_weights(self, stem: Path) -> None:
        """Write the run's trained weights and trainer state beside a saved project (answered by ``written``)."""
        self.writing += 1
        self.post(p.SaveWeights(stem))

    def export(
        self, project: Project, base_dir: Path | None, fmt: str, target: Path, trained: bool, origin: str
    ) -> None:
        """Export ``project`` (named ``origin``, with the run's trained weights if ``trained``); answered by
        ``written``."""
        self.writing += 1
        snapshot = dataclasses.replace(project, graph=project.graph.copy())
        self.post(p.Export(snapshot, base_dir, fmt, target, trained, origin))

    def shutdown(self) -> None:
        self.watch.stop()
        # The worker holds nothing to keep, so one busy building or training is not waited for long,
        # unless it is writing files the user asked for (Save with the trained weights, Export).
        processes.WORKERS.finish(self.worker, WRITE_WAIT if self.writing else QUIT_WAIT, self.receiver.stop)
        _LIVE.discard(self)

    # --- from the worker ---------------------------------------------------------------------
    def _set_state(self, state: State) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _received(self, message: object) -> None:
        if isinstance(message, Catalogue):
            if self.catalogue is None:  # a worker started after another died says the same again
                self.catalogue = message
                self.catalogued.emit(message)
            return
        if isinstance(message, Written):
            self.writing = max(0, self.writing - 1)
            self.written.emit(message)
            return
        if getattr(message, "run", None) != self.run:
            return  # from a run that has since been reset, restarted or stopped
        if isinstance(message, Loaded) and self.state == "loading":
            self._set_state("ready")
        elif isinstance(message, Stopped):
            # A pause or finish that answers an older command than the latest Play/Step/Epoch/Pause
            # (pressed again before the worker replied) must not undo what that latest one started.
            superseded = (
                message.kind in ("paused", "finished", "done") and message.extra.get("command", 0) < self._transport
            )
            if not superseded:
                self.pausing = False
                self._set_state("failed" if message.kind in ("failed", "error") else "ready")
        self._signals[type(message)].emit(message)
