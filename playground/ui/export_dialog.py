"""File > Export…: what to export (a Python module, TorchScript, ONNX, a training script, a picture of
the network), where, and whether with the trained weights of the current run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.ui.plain import Label


@dataclass(frozen=True)
class Format:
    id: str  # what ``playground export --format`` calls it; "png" and "svg" are pictures the window draws
    title: str
    suffix: str  # "" for a folder
    explains: str


FORMATS = (
    Format("python", "Python module", ".py", "A module that needs only PyTorch, its weights beside it (.safetensors)."),
    Format("torchscript", "TorchScript", ".pt", "One file for torch.jit.load, in Python or C++ (LibTorch)."),
    Format("onnx", "ONNX", ".onnx", "For ONNX Runtime and other frameworks; the batch and sequence sizes stay free."),
    Format(
        "script",
        "Training script",
        "",
        "A folder: model.py, train.py (the data, optimiser, loss and seed of this project), a README; "
        "python train.py or torchrun.",
    ),
    Format("png", "Picture of the network (PNG)", ".png", "The canvas as an image, for slides."),
    Format("svg", "Picture of the network (SVG)", ".svg", "The canvas as a drawing that scales, for slides."),
)


def path_row(field: QLineEdit, name: str, browse: Callable[[], None]) -> QHBoxLayout:
    """A path field with its Browse… button (objectName ``name``), which Return never presses."""
    button = QPushButton("Browse…")
    button.setObjectName(name)
    button.setAutoDefault(False)
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    return row


def accept_buttons(dialog: QDialog, text: str, name: str) -> tuple[QDialogButtonBox, QPushButton]:
    """Cancel and the dialog's own button (``text``, objectName ``name``), which Return presses."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    accept = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
    accept.setObjectName(name)
    for button in buttons.buttons():
        if isinstance(button, QPushButton):
            button.setAutoDefault(button is accept)
    accept.setDefault(True)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, accept


class ExportDialog(QDialog):
    """Asks what and where; ``chosen()`` once accepted. ``trained_steps`` 0: no trained weights to offer."""

    def __init__(self, stem: Path, trained_steps: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.stem = stem
        self.format = QComboBox()
        self.format.setObjectName("exportFormat")
        for fmt in FORMATS:
            self.format.addItem(fmt.title, fmt.id)
        self.explains = Label()
        self.explains.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setObjectName("exportPath")
        where = path_row(self.path, "exportBrowse", self._browse)
        self.trained = QCheckBox()
        self.trained.setObjectName("exportTrained")
        if trained_steps:
            self.trained.setText(f"With the trained weights (step {trained_steps:,})")
            self.trained.setChecked(True)
        else:
            self.trained.setText("Untrained weights: no run has trained this network since it was opened or edited")
            self.trained.setEnabled(False)
        form = QFormLayout()
        form.addRow(Label("Format"), self.format)
        form.addRow(Label(), self.explains)
        form.addRow(Label("Save to"), where)
        form.addRow(Label(), self.trained)
        buttons, export = accept_buttons(self, "Export", "exportButton")
        self.path.textChanged.connect(lambda text: export.setEnabled(bool(text.strip())))  # nowhere: nothing to do
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.path.setFocus()
        self.resize(720, self.sizeHint().height())

    def current(self) -> Format:
        return FORMATS[self.format.currentIndex()]

    def _format_changed(self) -> None:
        fmt = self.current()
        self.explains.setText(fmt.explains)
        self.trained.setVisible(fmt.id not in ("png", "svg"))
        typed = Path(self.path.text()) if self.path.text() else self.stem
        base = typed.parent / typed.name.split(".")[0].removesuffix("-training")
        self.path.setText(str(base.with_name(base.name + ("-training" if fmt.id == "script" else "") + fmt.suffix)))

    def _browse(self) -> None:
        fmt = self.current()
        if fmt.id == "script":
            found = QFileDialog.getExistingDirectory(self, "Folder for the training script", str(self.stem.parent))
        else:
            found, _ = QFileDialog.getSaveFileName(self, "Export", self.path.text(), f"{fmt.title} (*{fmt.suffix})")
        if found:
            self.path.setText(found)

    def chosen(self) -> tuple[Format, Path, bool]:
        """The format, the target and whether the trained weights go with it."""
        return (
            self.current(),
            Path(self.path.text()).expanduser(),
            self.trained.isEnabled() and self.trained.isChecked(),
        )
