"""What the training panel does with a run (training_panel.py lays it out): the transport's buttons as
session commands, the session's messages as the status line and notes, and the policy for edits: a
setting a running trainer takes reaches it at once (the settings table's ``live``), any other change of a
setting or of the network pauses the run and offers a restart with the changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QStyle, QWidget

from playground.core.files import weights_files
from playground.core.graph import Graph, walk
from playground.core.project_types import DatasetRef, TrainingConfig
from playground.runtime.messages import LIVE_SETTINGS, Catalogue, Loaded, Progress, Reading, Recorded, Stopped
from playground.runtime.session import TrainingSession
from playground.ui.document import Document
from playground.ui.plots.curves import CurvesView
from playground.ui.plots.data_views import DataViews
from playground.ui.run_controls import RunControls
from playground.ui.transport import Transport


def structure(graph: Graph) -> tuple:
    """What a trained network depends on: blocks, parameters and wires (not positions), inside its
    groups too (an edit inside a group is an edit of the network)."""
    blocks, links = [], []
    for prefix, level in walk(graph):
        blocks += [(prefix + b.id, b.type, repr(sorted(b.params.items()))) for b in level.blocks.values()]
        links += [(prefix, link) for link in level.links]
    return tuple(sorted(blocks)), tuple(sorted(links))


def format_time(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


NOT_STARTED = "Not started: press Play"


class RunPolicy(QWidget):
    """The training panel's run policy; the panel (a subclass) builds the widgets named here."""

    document: Document
    session: TrainingSession
    transport: Transport
    controls: RunControls
    curves: CurvesView
    views: DataViews
    presenting: bool

    def __init__(self) -> None:
        super().__init__()
        self.trained: tuple | None = None  # structure() of the network the current run trains
        self.saved_steps = 0  # the step of the weights last saved beside the project, or restored from there
        self.stale: list[str] = []  # why the current run no longer matches the project
        self.loss_at_start: float | None = None  # the first training step's loss in this run
        self.last_progress: Progress | None = None
        self.started_with: TrainingConfig | None = None  # the settings the current run started with
        self.on_cpu = False  # the current run trains on the CPU (the status says on how many threads)
        self.data_wanted = ""  # why this project needs its data chosen (an import that no dataset fits)
        self._updating = False

    def _show_stage(self, on: bool) -> None:
        """Show the views the project's stage names (the panel's layout)."""
        raise NotImplementedError

    # --- transport ------------------------------------------------------------------------------
    def _ensure_run(self) -> bool:
        """A run on the project as it is now: load one if there is none or it is stale."""
        if self.session.state in ("idle", "failed") or self.stale:
            self.restart()
        return self.session.project is not None

    def toggle_play(self) -> None:
        if self.session.state == "running" and not self.session.pausing:
            self.session.pause()
        elif self._ensure_run():
            self.session.play()

    def step(self) -> None:
        if self._ensure_run():
            self.session.step(1)

    def epoch(self) -> None:
        if self._ensure_run():
            self.session.epoch()

    def stop(self) -> None:
        self.session.unload()
        self.transport.status.setText("Stopped")

    def reset(self) -> None:
        self._reset(reseed=False)

    def reseed(self) -> None:
        self._reset(reseed=True)

    def _reset(self, reseed: bool) -> None:
        if self.session.project is None:
            return
        if self.session.state == "failed":
            self.restart()  # nothing was built to go back to
            return
        self.curves.new_run(self._run_label())
        self.session.reset(reseed)

    def branch(self, step: int) -> None:
        """Continue from recorded step ``step`` as a new run: the run so far stays on the curves, faded."""
        if self.session.state not in ("ready", "running"):
            return
        self.curves.new_run(f"before the branch at step {step:,}")
        self.curves.mark_branch(step)
        self.session.branch(step)

    def open_run(self, folder: Path) -> None:
        """The run recorded in ``folder`` (train --record) as a new run of this project: its curves, its
        keyframes on the timeline, training on from its last (or why it does not fit, said)."""
        self.restart(recorded=folder)

    def restart(self, resume: bool = False, recorded: Path | None = None) -> None:
        """A new run on the project as it is now; ``resume``: from the trained state saved beside its file;
        ``recorded``: from the run recorded in that folder."""
        project = self.document.project
        self.curves.new_run(self._run_label())
        self.transport.message.hide()
        self.last_progress = self.loss_at_start = None
        self._set_stale([])
        self.trained = structure(project.graph)
        base = self.document.path.parent if self.document.path else None
        saved = self._saved_state() if resume else None
        self.session.load(project, base, self.controls.device.currentText(), saved, recorded)

    def _saved_state(self) -> Path | None:
        """The project file's path without .json, if trained weights were saved beside it."""
        path = self.document.path
        if path is None or not weights_files(path.with_suffix(""))[0].is_file():
            return None
        return path.with_suffix("")

    def unsaved_steps(self) -> int:
        """Steps trained since the weights were last saved or restored (0: nothing to lose)."""
        trained = self.trained_steps()
        return trained if trained != self.saved_steps else 0

    def trained_steps(self) -> int:
        """Steps the current run has trained the very network the document holds (0: none, or edited since)."""
        if self.session.project is None or self.trained != structure(self.document.root):
            return 0
        return self.last_progress.step if self.last_progress is not None else 0

    def _run_label(self) -> str:
        """How the run that is ending is named in the curves' legend: the optimiser and rate it started
        with (and it remembers the settings the next run starts with)."""
        t, self.started_with = self.started_with, self.document.project.training
        if t is None:
            return ""
        momentum = f" momentum {t.momentum:g}" if t.optimizer in ("sgd", "rmsprop") and t.momentum else ""
        return f"{t.optimizer}{momentum} lr {t.lr:g}"

    # --- from the session ------------------------------------------------------------------------
    def _catalogued(self, catalogue: Catalogue) -> None:
        self._updating = True
        try:
            for device in catalogue.devices:
                self.controls.device.addItem(device)
        finally:
            self._updating = False
        self.controls.settings.catalogued(catalogue)

    def _loaded(self, message: Loaded) -> None:
        self.curves.timeline.clear()
        self.views.neuron_view.set_graph(self.document.root)
        self.views.loaded(message)
        self.loss_at_start = None
        self.last_progress = None
        self.on_cpu = message.device == "cpu"
        threads = f" ({message.threads} thread{'s' if message.threads > 1 else ''})" if self.on_cpu else ""
        self.transport.status.setText(f"Ready on {message.device}{threads}: {message.steps_per_epoch} steps per epoch")
        ok = message.restored_step is not None
        self.saved_steps = message.restored_step or 0
        note = "\n".join(line for line in (message.restored if ok else "", message.note) if line)
        self.transport.loss_note.setText(note)
        self.transport.loss_note.setVisible(bool(note))
        if message.restored and not ok:
            self.transport.message.setText(message.restored)
            self.transport.message.show()

    def _recorded(self, message: Recorded) -> None:
        self.curves.timeline.set_steps(message.steps)

    def _reading(self, message: Reading) -> None:
        self.transport.status.setText(f"Reading the images: {message.done:,} of {message.total:,}")

    def _progressed(self, progress: Progress) -> None:
        self.curves.add(progress)
        self.curves.timeline.set_live_step(progress.step)
        if self.loss_at_start is None and len(progress.losses):
            self.loss_at_start = float(progress.losses[0])
        latest = progress.evaluations[-1] if progress.evaluations else {}
        metric = next(
            (
                f" · {k.split('_', 1)[1]} {v:.3f}"
                for k, v in latest.items()
                if k.startswith("val_") and not k.endswith("loss")
            ),
            "",
        )
        rate = f" · {progress.steps_per_second:,.0f} steps/s" if progress.steps_per_second else ""
        if self.on_cpu:
            rate += f"{' on' if rate else ' ·'} {progress.threads} thread{'s' if progress.threads > 1 else ''}"
        self.last_progress = progress
        if progress.compiled and progress.compiled not in self.transport.loss_note.text():
            self.transport.loss_note.setText(
                "\n".join(line for line in (self.transport.loss_note.text(), progress.compiled) if line)
            )
            self.transport.loss_note.show()
        self.transport.status.setText(
            f"step {progress.step:,} · epoch {progress.epoch:.2f} · {format_time(progress.elapsed)}{rate}"
            f" · lr {progress.lr:.3g}{metric}"
        )

    def _stopped(self, message: Stopped) -> None:
        if message.kind == "done" and self.last_progress is not None:
            epochs = self.document.project.training.epochs
            self.transport.status.setText(
                f"Done: {epochs:,} epochs trained ({self.last_progress.step:,} steps). Play trains on."
            )
        if message.kind == "failed":  # this project could not be loaded: the last one's notes do not apply
            self.transport.loss_note.clear()
            self.transport.loss_note.hide()
        if message.kind in ("diverged", "failed", "error", "died"):
            self.transport.message.setText(
                self.data_wanted if message.kind == "failed" and self.data_wanted else message.message
            )
            self.transport.message.show()

    def ask_for_data(self, why: str) -> None:
        """The one thing left to choose before this project trains: its data. Said (instead of the load's
        failure, which is that same mismatch), with the dataset picker focused."""
        self.data_wanted = why
        self.transport.message.setText(why)
        self.transport.message.show()
        scroll = self.findChild(QScrollArea, "settingsScroll")
        if scroll is not None:
            scroll.ensureWidgetVisible(self.controls.settings.dataset)
        self.controls.settings.dataset.setFocus(Qt.FocusReason.OtherFocusReason)

    def _state_changed(self, state: str) -> None:
        running = state == "running"
        if running and self.transport.status.text() == NOT_STARTED:  # Play before the process is ready (45 s, once)
            self.transport.status.setText("Starting: the training process reads the data and builds the network…")
        self.transport.play_button.setText("Pause" if running else "Play")
        icon = QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        self.transport.play_button.setIcon(self.style().standardIcon(icon))
        self.transport.play_button.setToolTip("Pause (Space)" if running else "Train continuously (Space)")

    # --- settings -------------------------------------------------------------------------------
    def _project_replaced(self) -> None:
        """Nothing of the previous project stays on screen; the new one's run is loaded at once (not
        played), so its data, its untrained output and its first validation figures show before Play."""
        self.session.unload()
        self.curves.new_run()
        self.curves.clear_old_runs()
        self.curves.timeline.clear()
        self.started_with = None
        self.views.clear()
        self._set_stale([])
        self.transport.status.setText(NOT_STARTED)
        self.transport.message.hide()
        self.transport.loss_note.clear()  # the last project's notes (weights restored, its output's softmax) are not this one's
        self.transport.loss_note.hide()
        self.saved_steps = 0
        self.data_wanted = ""
        self.controls.settings.show_settings()
        self._show_stage(self.presenting)
        self._show_drawing()
        if self.document.root.blocks:  # once the canvas has shown it (posting a large network takes a while)
            QTimer.singleShot(0, lambda project=self.document.project: self._load_opened(project))

    def _load_opened(self, project) -> None:
        if self.document.project is project and self.session.project is None:  # not replaced, nor loaded, since
            self.restart(resume=True)

    def _show_drawing(self) -> None:
        """A drawn dataset: its points on the plane at once, ready to draw more (before any run)."""
        ref = self.document.project.dataset
        drawing = ref.id == "drawn"
        self.views.plane.drawing.show_rows(list(ref.params.get("points", [])) if drawing else None)
        if drawing:
            self.views.show()

    def _drawn(self, rows: list) -> None:
        ref = self.document.project.dataset
        self.document.set_dataset(DatasetRef("drawn", {**ref.params, "points": rows}), merges=False)

    def _setting_changed(self, name: str) -> None:
        """A setting changed (by the panel, or by undo/redo): show it, and tell the run (the lecture notes
        are no setting of the run: typing them changes nothing it trains)."""
        if name == "notes":
            return
        if name == "assignment":  # what it locks and hides
            self.controls.settings.show_settings()
            self._show_stage(self.presenting)
            return
        if name == "stage":  # what presentation shows: shown at once while presenting
            if self.presenting:
                self._show_stage(True)
            return
        self.controls.settings.show_settings()
        if name == "dataset":
            if self.data_wanted:  # chosen: what Play meets now is said when it does
                self.data_wanted = ""
                self.transport.message.hide()
            self._show_drawing()
        if self.session.project is None:
            return
        if name == "dataset" and self.document.project.dataset.id == "drawn":
            playing = self.session.state == "running"
            self.restart()  # the new drawing trains at once, as TensorFlow Playground regenerates its data
            if playing:
                self.session.play()
        elif name in LIVE_SETTINGS:
            self.session.configure(self.document.project.training)
        else:
            self._mark_stale("the dataset" if name == "dataset" else f"the {name.replace('_', ' ')}")

    def _graph_edited(self, _analysis: object) -> None:
        if self.trained is not None and self.session.project is not None:
            if structure(self.document.root) != self.trained:
                self._mark_stale("the network")
            elif "the network" in self.stale:
                self._set_stale([s for s in self.stale if s != "the network"])  # edited back

    def _mark_stale(self, what: str) -> None:
        if self._updating or self.controls.settings.updating or self.session.project is None or what in self.stale:
            return
        if self.session.state == "running":
            self.session.pause()
        self._set_stale([*self.stale, what])

    def _set_stale(self, reasons: list[str]) -> None:
        self.stale = reasons
        if reasons:
            self.transport.banner_text.setText(
                f"Paused: {', '.join(reasons)} changed."
            )  # short: the buttons keep their room
            self.transport.banner.setToolTip(
                "The run goes on with what it started with until you restart it with the changes."
            )
        self.transport.banner.setVisible(bool(reasons))
