"""The window's road out to PyTorch: File > Export… (done by the training process, which holds the
trained weights, or drawn here for a picture), and the trained weights saved beside a project on Save
(the setting File > Save Trained Weights with the Project)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from playground import is_preset
from playground.runtime.messages import Written
from playground.ui.export_dialog import ExportDialog
from playground.ui.storage import settings


def may_replace(parent: QWidget, taken: list[Path]) -> bool:
    """Asks before files of the user's are replaced; True when they may be."""
    answer = QMessageBox.question(
        parent,
        "Replace?",
        f"{' and '.join(str(path) for path in taken)} already exist{'s' if len(taken) == 1 else ''}. Replace?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class ModelExports:
    """A mixin of the main window (it uses the document, the session, the training panel, the scene)."""

    def _export_actions(self) -> None:
        self.act_export = self._action("Export…", self.export_dialog, "Ctrl+E", name="export")
        self.act_save_weights = QAction("Save Trained Weights with the Project", self)
        self.act_save_weights.setObjectName("save_weights")
        self.act_save_weights.setCheckable(True)
        self.act_save_weights.setChecked(settings().value("save_weights", True, type=bool))
        self.act_save_weights.setToolTip(
            "Save writes the current run's weights and trainer state beside the project "
            "(<name>.weights.safetensors, <name>.trainer.safetensors); opening it brings them back"
        )
        self.act_save_weights.toggled.connect(lambda on: settings().setValue("save_weights", on))
        self.session.written.connect(self._written)

    def _save_trained_weights(self, path: Path) -> str:
        """After the project was saved to ``path``: its run's trained weights beside it, if there are
        some and the setting is on; what the status bar adds to "Saved ..."."""
        steps = self.training.trained_steps()
        if not self.act_save_weights.isChecked() or not steps:
            return ""
        self.session.save_weights(path.with_suffix(""))
        self.training.saved_steps = steps
        return f" with its trained weights (step {steps:,})"

    def unsaved_training(self) -> int:
        """Steps a project file's run trained that Save would keep and has not (0: none, or the setting is off)."""
        if self.document.path is None or not self.act_save_weights.isChecked():
            return 0  # an untitled copy of a preset: played in class, not to be asked about
        return self.training.unsaved_steps()

    def export_dialog(self) -> None:
        document = self.document
        source = document.path or document.preset
        folder = document.path.resolve().parent if document.path else Path.cwd()
        stem = folder / (source.stem if source else "untitled")
        dialog = ExportDialog(stem, self.training.trained_steps(), self)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        fmt, target, trained = dialog.chosen()
        if is_preset(target):
            QMessageBox.warning(self, "Cannot export", f"{target.name}: the presets folder is lecture material")
            return
        beside = [target.with_suffix(".safetensors")] if fmt.id == "python" and trained else []
        taken = [path for path in (target, *beside) if path.exists()]
        empty_folder = fmt.id == "script" and target.is_dir() and not any(target.iterdir())
        if taken and not empty_folder and not may_replace(self, taken):
            return
        if fmt.id in ("png", "svg"):
            if self.view.save_picture(target):
                self.statusBar().showMessage(f"Exported {target}", 6000)
            else:
                QMessageBox.warning(self, "Cannot export", f"{target}: cannot be written")
            return
        base = document.path.parent if document.path else None
        self.session.export(document.project, base, fmt.id, target, trained, document.name)
        self.statusBar().showMessage(f"Exporting {target.name}…")

    def _written(self, message: Written) -> None:
        what = "the trained weights" if message.what == "weights" else "the export"
        if message.error:
            if message.what == "weights":
                self.training.saved_steps = 0
            QMessageBox.warning(self, "Cannot save" if message.what == "weights" else "Cannot export", message.error)
            self.statusBar().showMessage(f"Not done: {what}: {message.error.splitlines()[0]}", 8000)
            return
        names = ", ".join(Path(file).name for file in message.files)
        verb = "Saved" if message.what == "weights" else "Exported"
        self.statusBar().showMessage(f"{verb} {names} ({message.detail})", 8000)
