"""The window's road out to PyTorch: File > Export… (done by the training process, which holds the
trained weights, or drawn here for a picture), and the trained weights saved beside a project on Save
(the setting File > Save Trained Weights with the Project)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from playground.host import is_preset
from playground.runtime.messages import Written
from playground.runtime.protocol import State
from playground.runtime.session import TrainingSession
from playground.ui import plain
from playground.ui.actions import Actions, Say
from playground.ui.canvas.view import CanvasView
from playground.ui.document import Document
from playground.ui.export_dialog import ExportDialog
from playground.ui.settings_file import setting, settings
from playground.ui.training_panel import TrainingPanel


def may_replace(parent: QWidget, taken: list[Path]) -> bool:
    """Asks before files of the user's are replaced; True when they may be."""
    answer = plain.ask(
        parent,
        "Replace?",
        f"{' and '.join(str(path) for path in taken)} already exist{'s' if len(taken) == 1 else ''}. Replace?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class ModelExports(QObject):
    """Exports and the trained weights a Save writes; ``window`` parents the dialogs and questions."""

    def __init__(
        self,
        window: QWidget,
        document: Document,
        session: TrainingSession,
        training: TrainingPanel,
        view: CanvasView,
        actions: Actions,
        say: Say,
    ) -> None:
        super().__init__(window)
        self.window, self.document, self.session = window, document, session
        self.training, self.view, self.say = training, view, say
        self.act_export = actions.add("Export…", self.export_dialog, "Ctrl+E", name="export")
        self.act_save_weights = QAction("Save Trained Weights with the Project", window)
        self.act_save_weights.setObjectName("save_weights")
        self.act_save_weights.setCheckable(True)
        self.act_save_weights.setChecked(setting("save_weights", True))
        self.act_save_weights.setToolTip(
            "Save writes the current run's weights and trainer state beside the project "
            "(<name>.weights.safetensors, <name>.trainer.safetensors); opening it brings them back"
        )
        self.act_save_weights.toggled.connect(lambda on: settings().setValue("save_weights", on))
        self.session.written.connect(self._written)
        self.session.state_changed.connect(self._writer_gone)
        self.weights_pending: Path | None = None  # a saved project whose trained weights are being written
        self.weights_failed = False  # the last Save's trained weights could not be written

    def save_trained_weights(self, path: Path) -> str:
        """After the project was saved to ``path``: its run's trained weights beside it, if there are
        some and the setting is on; what the status bar says until the training process answers (its
        answer, ``_written``, says whether they were written)."""
        steps = self.training.trained_steps()
        if not self.act_save_weights.isChecked() or not steps:
            return f"Saved {path}"
        if self.session.dead:
            return f"Saved {path}, without trained weights: they were lost with the training process (step {steps:,})"
        self.session.save_weights(path.with_suffix(""))
        self.weights_pending = path
        return f"Saved {path}; writing its trained weights (step {steps:,})…"

    def await_weights(self, limit_ms: int = 60_000) -> bool:
        """Wait (the window still painting) for the trained weights a Save asked for; True once they
        were written, False when they could not be (the user has been told why)."""
        if self.weights_pending is None:
            return True
        loop = QEventLoop()
        self.session.written.connect(loop.quit)
        self.session.stopped.connect(loop.quit)  # among others, the training process died
        QTimer.singleShot(limit_ms, loop.quit)
        deadline = time.monotonic() + limit_ms / 1000
        while self.weights_pending is not None and not self.session.dead and time.monotonic() < deadline:
            loop.exec()
        self.session.written.disconnect(loop.quit)
        self.session.stopped.disconnect(loop.quit)
        return self.weights_pending is None and not self.weights_failed

    def unsaved_training(self) -> int:
        """Steps a project file's run trained that Save would keep and has not (0: none, or the setting is off)."""
        if self.document.path is None or not self.act_save_weights.isChecked() or self.session.dead:
            return 0  # an untitled copy of a preset (played in class), or weights gone with their process
        return self.training.unsaved_steps()

    def export_dialog(self) -> None:
        document = self.document
        source = document.path or document.preset
        folder = document.path.resolve().parent if document.path else Path.cwd()
        stem = folder / (source.stem if source else "untitled")
        dialog = ExportDialog(stem, self.training.trained_steps(), self.window)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        fmt, target, trained = dialog.chosen()
        if is_preset(target):
            plain.warn(self.window, "Cannot export", f"{target.name}: the presets folder is lecture material")
            return
        beside = [target.with_suffix(".safetensors")] if fmt.id == "python" and trained else []
        taken = [path for path in (target, *beside) if path.exists()]
        empty_folder = fmt.id == "script" and target.is_dir() and not any(target.iterdir())
        if taken and not empty_folder and not may_replace(self.window, taken):
            return
        if fmt.id in ("png", "svg"):
            if self.view.save_picture(target):
                self.say(f"Exported {target}", 6000)
            else:
                plain.warn(self.window, "Cannot export", f"{target}: cannot be written")
            return
        if self.session.dead:  # the export is made by the training process, which is gone
            plain.warn(
                self.window, "Cannot export", "The training process ended: press Play to start a new one, then export."
            )
            return
        base = document.path.parent if document.path else None
        self.session.export(document.project, base, fmt.id, target, trained, document.name)
        self.say(f"Exporting {target.name}…")

    def _written(self, message: Written) -> None:
        if message.what == "weights":
            self._weights_written(message)
            return
        if message.error:
            plain.warn(self.window, "Cannot export", message.error)
            self.say(f"Not exported: {message.error.splitlines()[0]}", 8000)
            return
        names = ", ".join(Path(file).name for file in message.files)
        self.say(f"Exported {names} ({message.detail})", 8000)

    def _writer_gone(self, state: State) -> None:
        """The training process died before it wrote the weights a Save asked for: said, as a failure."""
        if state == "failed" and self.session.dead and self.weights_pending is not None:
            self._weights_written(
                Written("weights", error="the training process ended before it wrote them (they are lost)")
            )

    def _weights_written(self, message: Written) -> None:
        """The training process's answer to a Save's weights: the status bar says what is on disk."""
        project, self.weights_pending = self.weights_pending, None
        name = project.name if project else "the project"
        self.weights_failed = bool(message.error)
        if message.error:
            self.say(f"Saved {name}, but not its trained weights: {message.error}", 12000)
            plain.warn(
                self.window,
                "Trained weights not saved",
                f"{name} was saved, but not its trained weights:\n\n{message.error}"
                + (
                    ""
                    if self.session.dead
                    else "\n\nThe training goes on holding them: free some space or Save As elsewhere to keep them."
                ),
            )
            return
        self.training.saved_steps = message.step
        self.say(f"Saved {name} with its trained weights (step {message.step:,})", 8000)
