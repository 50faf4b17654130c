"""The inspector: the selected block's parameters as a generated form, its shape, size and problems."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.core.analysis import Analysis
from playground.core.blocks.io import INPUT_DATA
from playground.core.registry import ParamSpec, format_shape, get_spec
from playground.core.shapes import inferred
from playground.runtime.messages import Fields
from playground.ui.document import Document
from playground.ui.forms import AutoSpinBox, make_editor, show_value
from playground.ui.plain import Label
from playground.ui.theme import category_colour, set_font

DATA_FIELD = ("input", "data")  # an Input's data parameter: offered as a list of the dataset's fields
RECIPE_FIELDS = ("noise", "t")  # fields recipes feed themselves (a GAN's noise, a diffusion model's level)


class Inspector(QWidget):
    def __init__(self, document: Document) -> None:
        super().__init__()
        self.setObjectName("inspector")
        self.document = document
        self.block_id: str | None = None
        self.editors: dict[str, QWidget] = {}
        self._updating = False
        self.title = Label("Nothing selected")
        set_font(self.title, 13, bold=True)
        self.title.setWordWrap(True)  # long block ids must not widen the dock
        self.subtitle = Label("Select a block on the canvas to see and edit its parameters.")
        self.subtitle.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.shape = Label()
        self.shape.setObjectName("inspectorShape")
        self.count = Label()
        self.count.setObjectName("inspectorParams")
        self.field_error = Label()
        self.field_error.setObjectName("inspectorFieldError")
        self.field_error.setWordWrap(True)
        self.field_error.setStyleSheet("color: #dc2626; font-weight: bold;")
        self.field_error.hide()
        self.fields: tuple[str, ...] = ()  # what the dataset gives, once the worker has read it
        self.tied = Label()
        self.tied.setObjectName("inspectorTies")
        self.tied.setWordWrap(True)
        self.untie = QPushButton("Untie")
        self.untie.setObjectName("untieWeights")
        self.untie.setToolTip("Give each of these weights its own tensor again (Undo ties them back)")
        self.untie.clicked.connect(lambda: self.document.untie(list(self._ties())))
        self.tied.hide()
        self.untie.hide()
        self.locked = Label("Locked by the assignment: this block stays as it is.")
        self.locked.setObjectName("inspectorLocked")
        self.locked.setWordWrap(True)
        set_font(self.locked, 11, bold=True)
        self.locked.hide()
        self.problems = Label()
        self.problems.setObjectName("inspectorProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #dc2626;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        for widget in (
            self.title,
            self.subtitle,
            self.locked,
            self.form_host,
            self.field_error,
            self.shape,
            self.count,
            self.tied,
            self.untie,
            self.problems,
        ):
            layout.addWidget(widget)
        self.layout_ = layout
        layout.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidget(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        document.analysed.connect(self.refresh)
        document.replaced.connect(lambda: self.show_block(None))
        document.settings_changed.connect(self._settings_changed)

    def _show_lock(self) -> None:
        """A block the assignment locks: its fields read only, and the reason above them."""
        locked = self.block_id is not None and self.document.is_locked(self.block_id)
        self.locked.setVisible(locked)
        for editor in self.editors.values():
            editor.setEnabled(not locked)

    def add_live_view(self, view: QWidget) -> None:
        """The selected block's live plots, under its parameters."""
        self.layout_.insertWidget(self.layout_.count() - 1, view)

    def show_block(self, block_id: str | None) -> None:
        if block_id == self.block_id and block_id is not None:
            self.refresh(self.document.analysis)
            return
        self.block_id = block_id
        self.field_error.hide()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        block = self.document.graph.blocks.get(block_id) if block_id else None
        spec = get_spec(block.type) if block else None
        self.form_host.setVisible(bool(spec and spec.params))
        if block is None or spec is None:
            self.title.setText("Nothing selected" if block is None else f"{block.type} '{block.id}'")
            self.title.setStyleSheet("")
            self.subtitle.setText(
                "Select a block on the canvas to see and edit its parameters."
                if block is None
                else "This block type is unknown to this Playground."
            )
            for label in (self.shape, self.count, self.problems):
                label.clear()
            self.locked.hide()
            self.tied.hide()
            self.untie.hide()
            return
        self.title.setText(f"{spec.title}  ·  {block.id}")
        self.title.setStyleSheet(f"color: {category_colour(spec.category).name()};")
        self.subtitle.setText(spec.description)
        for param in spec.params:
            editor = (
                self._data_editor(param) if (spec.type, param.name) == DATA_FIELD else make_editor(param, self._edit)
            )
            if isinstance(editor, QLineEdit):
                editor.textEdited.connect(lambda text, p=param: self._typed(p, text))
            self.editors[param.name] = editor
            label = Label(param.name)
            label.setToolTip(param.doc)
            self.form.addRow(label, editor)
        self._show_lock()
        self.refresh(self.document.analysis)

    def _data_editor(self, param: ParamSpec) -> QComboBox:
        """An Input's data field: a list of what the dataset gives (and recipes feed), and room to type."""
        combo = QComboBox()
        combo.setObjectName(f"param_{param.name}")
        combo.setToolTip(param.doc)
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(list(self._feedable()))
        line = combo.lineEdit()
        assert line is not None  # an editable combo box has one
        line.textEdited.connect(lambda text: self._typed(param, text))
        line.editingFinished.connect(lambda: self._edit(param.name, combo.currentText().strip()))
        combo.activated.connect(lambda _: self._edit(param.name, combo.currentText().strip()))
        return combo

    def _typed(self, param: ParamSpec, text: str) -> None:
        """Say at once what is wrong with what is being typed (the value stands until it is valid)."""
        self._say(param.name, self._check(param, param.handler.parse(param, text)))

    def _check(self, param: ParamSpec, value: Any) -> str:
        try:
            param.validate(value)
        except ValueError as exc:
            return str(exc)
        if self.fields and (self._block_type(), param.name) == DATA_FIELD and value not in self._feedable():
            return f"the dataset gives no field '{value}' (it gives {', '.join(self._feedable())})"
        return ""

    def _say(self, name: str, error: str) -> None:
        self.field_error.setText(f"{name}: {error}" if error else "")
        self.field_error.setVisible(bool(error))

    def _edit(self, name: str, value: Any) -> None:
        if self.block_id is None or self._updating:
            return
        block = self.document.graph.blocks.get(self.block_id)
        spec = get_spec(block.type) if block else None
        if block is None or spec is None:
            return
        stands = block.params.get(name, self.document.analysis.params.get(self.block_id, {}).get(name))
        if value == stands:
            return  # nothing changes (a field that loses the focus commits again what it shows)
        param = spec.param(name)
        error = self._check(param, value)
        if not error and not self.document.set_param(self.block_id, name, value):
            error = "refused"
        if error:
            shown = param.handler.format(stands)
            self._say(name, f"{error}; it stays {shown}")
            self.refresh(self.document.analysis)  # the value that stands
            editor = self.editors.get(name)
            if isinstance(editor, QLineEdit):  # a focused line edit is left alone by refresh
                editor.setText(shown)
        else:
            self._say(name, "")

    def _block_type(self) -> str:
        block = self.document.graph.blocks.get(self.block_id) if self.block_id else None
        return block.type if block else ""

    def _feedable(self) -> tuple[str, ...]:
        return (*self.fields, *(f for f in RECIPE_FIELDS if f not in self.fields))

    def fields_known(self, message: Fields) -> None:
        self.set_fields(message.fields)

    def _settings_changed(self, part: str) -> None:
        if part == "assignment":
            self._show_lock()
        if part == "dataset":
            self.set_fields(())  # until the worker has read the new dataset

    def set_fields(self, fields: tuple[str, ...]) -> None:
        """The fields of the project's dataset (an Input's data field offers them)."""
        self.fields = fields
        editor = self.editors.get("data")
        if isinstance(editor, QComboBox):
            self._updating = True
            try:
                text = editor.currentText()
                editor.clear()
                editor.addItems(list(self._feedable()))
                editor.setCurrentText(text)
            finally:
                self._updating = False
        if self.block_id is not None:
            self.refresh(self.document.analysis)

    def _ties(self) -> dict[str, str]:
        """The ties that name the selected block (or, for a group, a block inside it)."""
        path = ".".join([*self.document.level, self.block_id or ""]) + "."
        return {
            name: to for name, to in self.document.root.ties.items() if path in (name[: len(path)], to[: len(path)])
        }

    def refresh(self, analysis: Analysis) -> None:
        block = self.document.graph.blocks.get(self.block_id) if self.block_id else None
        if block is None:
            if self.block_id is not None:
                self.show_block(None)
            return
        params = analysis.params.get(block.id, {})
        sizes = inferred(analysis, block)
        self._updating = True
        try:
            for name, editor in self.editors.items():
                if isinstance(editor, AutoSpinBox):
                    editor.set_inferred(sizes.get(name))
                if name in block.params or name in params:  # None is a value too: an option that is off
                    show_value(editor, block.params.get(name, params.get(name)))
        finally:
            self._updating = False
        data = block.params.get("data", "x") if block.type == "input" else None
        if data is not None and self.fields and data not in self._feedable() and not self.field_error.isVisible():
            self._say("data", self._check(INPUT_DATA, data))
        shapes = analysis.shapes.get(block.id)
        into = self.document.graph.link_into(block.id, 0) if block.type == "output" else None
        if into is not None:
            shape = analysis.wire_shape(into)
            shapes = [shape] if shape else None
        self.shape.setText("Output shape: " + (", ".join(format_shape(s) for s in shapes) if shapes else "unknown"))
        count = analysis.param_counts.get(block.id)
        self.count.setText(f"Learnable parameters: {count:,}" if count is not None else "Learnable parameters: unknown")
        tied = self._ties()
        self.tied.setText(
            "Tied weights, one tensor under both names, counted once:\n"
            + "\n".join(f"{name} = {to}" for name, to in tied.items())
        )
        self.tied.setVisible(bool(tied))
        self.untie.setVisible(bool(tied))
        problems = analysis.problems_of(block.id)
        self.problems.setText("\n".join(f"⚠ {p.message}" for p in problems))
        self.problems.setVisible(bool(problems))
        self.shape.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
