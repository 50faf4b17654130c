"""The dataset and training settings of the open project, generated from their specs (the dataset's
parameters as the worker's catalogue describes them, the training settings from TrainingConfig):
every edit is an undoable project edit; the panel decides what it means for a running training."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core.project_types import RECIPE_KNOBS, DatasetRef, TrainingConfig, settings_where
from playground.core.registry import ParamSpec
from playground.runtime.messages import Catalogue, DatasetInfo, Thumbnails
from playground.ui.document import Document
from playground.ui.forms import make_editor, show_value
from playground.ui.plain import Label
from playground.ui.thumbnail_strip import ThumbnailStrip

LR_RANGE = (-5.0, 0.5)  # log10 of the learning-rate slider's ends
TRAINING_FIELDS = settings_where(panel="form")


class SettingsForm(QWidget):
    def __init__(self, document: Document) -> None:
        super().__init__()
        self.document = document
        self.catalogue: Catalogue | None = None
        self.updating = False  # showing the project's values, not the user editing them
        self.dataset_editors: dict[str, QWidget] = {}
        self.form_dataset: str | None = None
        self.presenting = False  # only the knobs a running training takes are shown

        self.dataset = QComboBox()
        self.dataset.setObjectName("datasetCombo")
        self.dataset.currentIndexChanged.connect(self._dataset_chosen)
        self.top = top = QFormLayout()
        top.addRow(Label("Dataset"), self.dataset)
        self.dataset_form = QFormLayout()
        self.task = QComboBox()
        self.task.setObjectName("param_task")
        self.task.currentTextChanged.connect(lambda v: self._edit_training("task", v))

        self.lr_slider = QSlider(Qt.Orientation.Horizontal)
        self.lr_slider.setObjectName("lrSlider")
        self.lr_slider.setRange(0, 1000)
        self.lr_slider.setToolTip("Learning rate, logarithmic")
        self.lr_slider.valueChanged.connect(self._lr_slid)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setObjectName("lrSpin")
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 10.0)
        self.lr_spin.setSingleStep(0.001)
        self.lr_spin.setKeyboardTracking(False)
        self.lr_spin.valueChanged.connect(lambda v: self._edit_training("lr", float(v)))
        self.lr_row = lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_spin)

        self.training_form = QFormLayout()
        self.training_form.addRow(Label("Task"), self.task)
        self.training_form.addRow(Label("Learning rate"), lr_row)
        specs = TrainingConfig.specs()
        self.training_editors: dict[str, QWidget] = {}
        for name in (*RECIPE_KNOBS, *TRAINING_FIELDS):
            editor = make_editor(specs[name], self._edit_training)
            self.training_editors[name] = editor
            label = Label(name.replace("_", " "))
            label.setToolTip(specs[name].doc)
            self.training_form.addRow(label, editor)
        epochs = self.training_editors["epochs"]
        if isinstance(epochs, QSpinBox):
            epochs.setSpecialValueText("until stopped")  # epochs 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.dataset_form)
        self.thumbnails = ThumbnailStrip()  # an image folder as read
        layout.addWidget(self.thumbnails)
        layout.addLayout(self.training_form)

    def catalogued(self, catalogue: Catalogue) -> None:
        """The tasks and datasets this machine offers, known once the worker has started."""
        self.catalogue = catalogue
        self.updating = True
        try:
            self.task.addItems(list(catalogue.tasks))
            for info in catalogue.datasets:
                self.dataset.addItem(f"{info.title} ({info.id})", info.id)
                self.dataset.setItemData(self.dataset.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole)
        finally:
            self.updating = False
        self.show_settings()

    def show_settings(self) -> None:
        """Show the project's settings (after an edit, an undo or a new project)."""
        project = self.document.project
        config = project.training
        self.updating = True
        try:
            for name, editor in self.training_editors.items():
                show_value(editor, getattr(config, name))
            self.lr_spin.setValue(config.lr)
            self.lr_slider.setValue(self.lr_position(config.lr))
            self.task.setCurrentText(config.task)
            knobs = self.catalogue.tasks.get(config.task, ()) if self.catalogue else ()
            uses = TrainingConfig.uses()
            for name, editor in self.training_editors.items():  # only the knobs the chosen recipe reads
                shown = name in knobs if uses[name].panel == "recipe" else True
                self.training_form.setRowVisible(editor, shown and (uses[name].live or not self.presenting))
            self.training_form.setRowVisible(self.task, not self.presenting)
            index = self.dataset.findData(project.dataset.id)
            if index >= 0:
                self.dataset.setCurrentIndex(index)
            if project.dataset.id != self.form_dataset:
                self._build_dataset_form()
            if self.thumbnails.shown is None or self.thumbnails.shown.dataset != project.dataset:
                self.thumbnails.hide()  # another folder or size: its own come when it is read
            info = self._dataset_info()
            for param in info.params if info else ():
                show_value(self.dataset_editors[param.name], project.dataset.params.get(param.name, param.default))
            self._show_locks()
        finally:
            self.updating = False

    def _show_locks(self) -> None:
        """Settings the assignment locks read only (saying so); those it hides not shown."""
        assignment = self.document.project.assignment
        locked = set(assignment.locks.settings) if assignment else set()
        hidden = set(assignment.locks.hidden) if assignment else set()
        widgets = {**self.training_editors, "task": self.task, "lr": self.lr_spin, "dataset": self.dataset}
        for name, widget in widgets.items():
            widget.setEnabled(name not in locked)
            widget.setToolTip("Locked by the assignment" if name in locked else "")
            if name in hidden and name in self.training_editors:
                self.training_form.setRowVisible(widget, False)
        self.lr_slider.setEnabled("lr" not in locked)
        for editor in self.dataset_editors.values():
            editor.setEnabled("dataset" not in locked)
        self.training_form.setRowVisible(self.task, not self.presenting and "task" not in hidden)
        self.training_form.setRowVisible(self.lr_row, "lr" not in hidden)
        self.top.setRowVisible(self.dataset, not self.presenting and "dataset" not in hidden)
        for row in range(self.dataset_form.rowCount()):
            self.dataset_form.setRowVisible(row, not self.presenting and "dataset" not in hidden)

    def set_presenting(self, on: bool) -> None:
        """Presentation mode: the dataset and the settings that need a restart are put away."""
        self.presenting = on
        self.show_settings()

    def show_thumbnails(self, message: Thumbnails) -> None:
        """The image folder a run read (a few images of each class, the counts, what was left out), when
        it is still the project's."""
        if message.dataset == self.document.project.dataset:
            self.thumbnails.show_thumbnails(message)

    def _dataset_info(self) -> DatasetInfo | None:
        ref = self.document.project.dataset
        return next((d for d in (self.catalogue.datasets if self.catalogue else []) if d.id == ref.id), None)

    def _build_dataset_form(self) -> None:
        while self.dataset_form.rowCount():
            self.dataset_form.removeRow(0)
        self.dataset_editors = {}
        info = self._dataset_info()
        self.form_dataset = info.id if info else None
        for param in info.params if info else ():
            editor = make_editor(param, self._edit_dataset)
            self.dataset_editors[param.name] = editor
            label = Label(param.name.replace("_", " "))
            label.setToolTip(param.doc)
            if param.handler.editor in ("file", "folder"):  # a file or folder of the user's
                row = QHBoxLayout()
                row.addWidget(editor, 1)
                browse = QPushButton("Browse…")
                browse.setObjectName("browseDataset")
                browse.clicked.connect(lambda _=False, param=param: self.browse(param))
                row.addWidget(browse)
                self.dataset_form.addRow(label, row)
            else:
                self.dataset_form.addRow(label, editor)

    def browse(self, param: ParamSpec) -> None:
        """Choose the dataset's file or folder; it is kept relative to the project file when it can be."""
        base = self.document.path.parent if self.document.path else Path.cwd()
        if param.handler.editor == "folder":
            title = "Choose the image folder (one subfolder per class)"
            chosen = QFileDialog.getExistingDirectory(self, title, str(base))
        else:
            kinds = "Data files (*.csv *.npz);;CSV tables (*.csv);;NPZ arrays (*.npz)"
            chosen, _ = QFileDialog.getOpenFileName(self, "Choose the data file", str(base), kinds)
        if not chosen:
            return
        path = Path(chosen)
        if self.document.path is not None:
            with contextlib.suppress(ValueError):  # elsewhere on the disk: kept absolute
                path = path.resolve().relative_to(base.resolve())
        self._edit_dataset(param.name, path.as_posix())

    @staticmethod
    def lr_position(lr: float) -> int:
        low, high = LR_RANGE
        return round((min(max(math.log10(lr), low), high) - low) / (high - low) * 1000)

    def _lr_slid(self, position: int) -> None:
        low, high = LR_RANGE
        value = float(f"{10 ** (low + (high - low) * position / 1000):.3g}")
        self._edit_training("lr", value)

    def _edit_training(self, name: str, value: Any) -> None:
        if not self.updating:
            self.document.set_training(name, value)

    def _dataset_chosen(self, index: int) -> None:
        if self.updating or index < 0:
            return
        self.document.set_dataset(DatasetRef(self.dataset.itemData(index), {}))

    def _edit_dataset(self, name: str, value: Any) -> None:
        if self.updating:
            return
        ref = self.document.project.dataset
        self.document.set_dataset(DatasetRef(ref.id, {**ref.params, name: value}))
