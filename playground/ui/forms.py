"""Editors generated from ParamSpecs: spin boxes with ranges, combo boxes for choices, check boxes.
Used by the inspector (block parameters) and the training panel (dataset and training settings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from playground.core.registry import AUTO, ParamSpec

INT_LIMIT = 2**31 - 1


def ints_text(value: list) -> str:
    return ", ".join(str(v) for v in value)


def parse_ints(text: str) -> list[Any]:
    items: list[Any] = []
    for part in text.replace("[", "").replace("]", "").split(","):
        part = part.strip()
        if part:
            items.append(int(part) if part.lstrip("-").isdigit() else part)
    return items


class AutoSpinBox(QSpinBox):
    """A size that may be "auto" (the value below the minimum): it shows "auto (16)" with the size
    the wire gives, and takes "auto" typed in."""

    def set_inferred(self, size: int | None) -> None:
        self.setSpecialValueText(AUTO if size is None else f"{AUTO} ({size})")

    def validate(self, text: str, pos: int) -> object:
        if AUTO.startswith(text.strip().lower()[: len(AUTO)]) and text.strip():
            return (
                QValidator.State.Acceptable if text.strip().lower().startswith(AUTO) else QValidator.State.Intermediate
            )
        return super().validate(text, pos)

    def valueFromText(self, text: str) -> int:
        return self.minimum() if text.strip().lower().startswith(AUTO) else super().valueFromText(text)


def make_editor(param: ParamSpec, edited: Callable[[str, Any], None]) -> QWidget:
    """An editor for ``param`` that calls ``edited(name, value)`` when the user commits a value."""
    name = param.name
    editor: QWidget
    if param.kind == "int" and param.infer_from is not None:
        auto = AutoSpinBox()
        auto.setRange(int(param.min or 1) - 1, int(min(param.max or INT_LIMIT, INT_LIMIT)))
        auto.set_inferred(None)
        auto.setKeyboardTracking(False)
        auto.valueChanged.connect(lambda v: edited(name, AUTO if v < auto.minimum() + 1 else int(v)))
        editor = auto
    elif param.kind == "int":
        box = QSpinBox()
        box.setRange(
            int(max(param.min if param.min is not None else -INT_LIMIT, -INT_LIMIT)),
            int(min(param.max if param.max is not None else INT_LIMIT, INT_LIMIT)),
        )
        box.setKeyboardTracking(False)
        box.valueChanged.connect(lambda v: edited(name, int(v)))
        editor = box
    elif param.kind == "float":
        spin = QDoubleSpinBox()
        spin.setDecimals(4)
        spin.setRange(param.min if param.min is not None else -1e9, param.max if param.max is not None else 1e9)
        spin.setSingleStep(0.1 if (param.max or 1) <= 1 else 1.0)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(lambda v: edited(name, float(v)))
        editor = spin
    elif param.kind == "bool":
        check = QCheckBox()
        check.toggled.connect(lambda v: edited(name, bool(v)))
        editor = check
    elif param.kind == "choice":
        combo = QComboBox()
        combo.addItems(list(param.choices))
        combo.currentTextChanged.connect(lambda v: edited(name, v))
        editor = combo
    else:
        line = QLineEdit()
        if param.kind == "ints":
            line.setPlaceholderText("e.g. 1, 8, 8")
            line.editingFinished.connect(lambda: edited(name, parse_ints(line.text())))
        else:
            line.editingFinished.connect(lambda: edited(name, line.text().strip()))
        editor = line
    editor.setObjectName(f"param_{name}")
    editor.setToolTip(param.doc)
    return editor


def show_value(editor: QWidget, value: Any) -> None:
    """Put ``value`` in ``editor`` (callers guard against the change signal echoing back)."""
    if isinstance(editor, AutoSpinBox):
        editor.setValue(editor.minimum() if value == AUTO else value)
    elif isinstance(editor, QSpinBox | QDoubleSpinBox):
        editor.setValue(value)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(value)
    elif isinstance(editor, QComboBox):
        editor.setCurrentText(value)
    elif isinstance(editor, QLineEdit) and not editor.hasFocus():
        editor.setText(ints_text(value) if isinstance(value, list) else str(value))
