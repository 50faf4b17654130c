"""File > Import PyTorch Model…: which module (a Python file and a class or function in it), the shape of
its input, where the project goes, and whether the module's weights come with it. The file's names are
read without running it (ast); the import itself runs ``playground import`` in its own process."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from playground.ui.export_dialog import accept_buttons, path_row
from playground.ui.plain import Label

RUNS_CODE = (
    "Importing runs this file's Python code, as python itself would: import only code you trust. "
    "(Opening a project never runs code.)"
)


def module_names(source: str) -> list[str]:
    """The classes and functions a file defines at its top level, module classes first: what SOURCE's
    Name may be. Read from its syntax tree, so nothing in it runs; [] when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # a long chain of '1+1+…' is too deep for ast
        return []
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
    return classes + functions


class ImportDialog(QDialog):
    """Asks what and where; ``arguments()`` once accepted are ``playground import``'s."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import PyTorch Model")
        self.folder = folder
        self.source = QLineEdit()
        self.source.setObjectName("importSource")
        self.source.setPlaceholderText("path/to/model.py")
        row = path_row(self.source, "importBrowse", self._browse)
        self.name = QComboBox()
        self.name.setObjectName("importName")
        self.name.setEditable(True)
        self.name.setToolTip("A torch.nn.Module class with a constructor that needs no arguments, or a function")
        self.shape = QLineEdit()
        self.shape.setObjectName("importShape")
        self.shape.setPlaceholderText("1,3,32,32  (batch first; one per input, separated by spaces)")
        self.target = QLineEdit()
        self.target.setObjectName("importTarget")
        self.weights = QCheckBox("With the module's current weights (<name>.weights.safetensors beside it)")
        self.weights.setObjectName("importWeights")
        self.weights.setChecked(True)
        warning = Label(RUNS_CODE)
        warning.setWordWrap(True)
        form = QFormLayout()
        form.addRow(Label("Python file"), row)
        form.addRow(Label("Module"), self.name)
        form.addRow(Label("Input shape"), self.shape)
        form.addRow(Label("Save as"), self.target)
        form.addRow(Label(), self.weights)
        form.addRow(Label(), warning)
        buttons, self.ok = accept_buttons(self, "Import", "importButton")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.source.textChanged.connect(self._read_names)  # names appear as soon as the path names a file
        self.name.currentTextChanged.connect(self._name_changed)
        for field in (self.source, self.target):
            field.textChanged.connect(self._ready)
        self.name.currentTextChanged.connect(self._ready)
        self._ready()
        self.source.setFocus()
        self.resize(760, self.sizeHint().height())

    def _browse(self) -> None:
        found, _ = QFileDialog.getOpenFileName(self, "PyTorch model", str(self.folder), "Python files (*.py)")
        if found:
            self.source.setText(found)
            self._read_names()

    def _read_names(self) -> None:
        path = Path(self.source.text().strip()).expanduser()
        try:
            names = module_names(path.read_text(encoding="utf-8")) if path.is_file() else []
        except (OSError, UnicodeDecodeError):
            names = []
        typed = self.name.currentText()
        self.name.clear()
        self.name.addItems(names)
        self.name.setCurrentText(typed if typed in names or not names else names[0])

    def _name_changed(self, name: str) -> None:
        source = Path(self.source.text().strip()).expanduser()
        if name.isidentifier() and source.name:
            self.target.setText(str(source.parent / f"{name}.json"))

    def _ready(self) -> None:
        self.ok.setEnabled(
            bool(self.source.text().strip() and self.name.currentText().isidentifier() and self.target.text().strip())
        )

    def output(self) -> Path:
        return Path(self.target.text().strip()).expanduser()

    def arguments(self) -> list[str]:
        """``playground import``'s arguments for what was chosen (``--force`` is the caller's to add)."""
        args = [f"{Path(self.source.text().strip()).expanduser()}:{self.name.currentText()}", "-o", str(self.output())]
        for shape in self.shape.text().split():
            args += ["--input-shape", shape]
        return args + (["--weights"] if self.weights.isChecked() else [])
