"""The inspector: the selected block's parameters as a generated form, its shape, size and problems."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.core.registry import format_shape, get_spec
from playground.core.shapes import Analysis
from playground.ui.document import Document
from playground.ui.forms import make_editor, show_value
from playground.ui.theme import category_colour, ui_font


class Inspector(QWidget):
    def __init__(self, document: Document) -> None:
        super().__init__()
        self.setObjectName("inspector")
        self.document = document
        self.block_id: str | None = None
        self.editors: dict[str, QWidget] = {}
        self._updating = False
        self.title = QLabel("Nothing selected")
        self.title.setFont(ui_font(13, bold=True))
        self.title.setWordWrap(True)  # long block ids must not widen the dock
        self.subtitle = QLabel("Select a block on the canvas to see and edit its parameters.")
        self.subtitle.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.shape = QLabel()
        self.shape.setObjectName("inspectorShape")
        self.count = QLabel()
        self.count.setObjectName("inspectorParams")
        self.problems = QLabel()
        self.problems.setObjectName("inspectorProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #dc2626;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        for widget in (self.title, self.subtitle, self.form_host, self.shape, self.count, self.problems):
            layout.addWidget(widget)
        self.layout_ = layout
        layout.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidget(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        document.analysed.connect(self.refresh)
        document.replaced.connect(lambda: self.show_block(None))

    def add_live_view(self, view: QWidget) -> None:
        """The selected block's live plots, under its parameters."""
        self.layout_.insertWidget(self.layout_.count() - 1, view)

    def show_block(self, block_id: str | None) -> None:
        if block_id == self.block_id and block_id is not None:
            self.refresh(self.document.analysis)
            return
        self.block_id = block_id
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
            return
        self.title.setText(f"{spec.title}  ·  {block.id}")
        self.title.setStyleSheet(f"color: {category_colour(spec.category).name()};")
        self.subtitle.setText(spec.description)
        for param in spec.params:
            editor = make_editor(param, self._edit)
            self.editors[param.name] = editor
            label = QLabel(param.name)
            label.setToolTip(param.doc)
            self.form.addRow(label, editor)
        self.refresh(self.document.analysis)

    def _edit(self, name: str, value: Any) -> None:
        if self.block_id is None or self._updating:
            return
        current = self.document.analysis.params.get(self.block_id, {}).get(name)
        if value == current:
            return
        if not self.document.set_param(self.block_id, name, value):
            self.refresh(self.document.analysis)  # refused: show the value that stands

    def refresh(self, analysis: Analysis) -> None:
        block = self.document.graph.blocks.get(self.block_id) if self.block_id else None
        if block is None:
            if self.block_id is not None:
                self.show_block(None)
            return
        params = analysis.params.get(block.id, {})
        self._updating = True
        try:
            for name, editor in self.editors.items():
                value = params.get(name)
                if value is not None:
                    show_value(editor, value)
        finally:
            self._updating = False
        shapes = analysis.shapes.get(block.id)
        into = self.document.graph.link_into(block.id, 0) if block.type == "output" else None
        if into is not None:
            shapes = [analysis.wire_shape(into)] if analysis.wire_shape(into) else None
        self.shape.setText("Output shape: " + (", ".join(format_shape(s) for s in shapes) if shapes else "unknown"))
        count = analysis.param_counts.get(block.id)
        self.count.setText(f"Learnable parameters: {count:,}" if count is not None else "Learnable parameters: unknown")
        problems = analysis.problems_of(block.id)
        self.problems.setText("\n".join(f"⚠ {p.message}" for p in problems))
        self.problems.setVisible(bool(problems))
        self.shape.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
