"""Editors generated from ParamSpecs: spin boxes with ranges, combo boxes for choices, check boxes.
Used by the inspector (block parameters) and the training panel (dataset and training settings)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox, QWidget

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


def parse_value(param: ParamSpec, text: str) -> Any:
    """What the user typed into a line editor, as the parameter's value (validated by the caller)."""
    if param.kind == "ints":
        return parse_ints(text)
    if param.kind == "dims":
        items = parse_ints(text)
        return items[0] if len(items) == 1 else items
    return text.strip()


class WordSpinBox(QSpinBox):
    """A whole number that may instead be a word, held as the value below the minimum: "none" (an
    option that is off) or "auto"; the word is also taken typed in."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word
        self.setSpecialValueText(word)

    def validate(self, text: str, pos: int) -> object:
        typed = text.strip().lower()
        if typed and self.word.startswith(typed[: len(self.word)]):
            return QValidator.State.Acceptable if typed.startswith(self.word) else QValidator.State.Intermediate
        return super().validate(text, pos)

    def valueFromText(self, text: str) -> int:
        return self.minimum() if text.strip().lower().startswith(self.word) else super().valueFromText(text)


class AutoSpinBox(WordSpinBox):
    """A size that may be "auto": it shows "auto (16)" with the size the wire gives."""

    def __init__(self) -> None:
        super().__init__(AUTO)

    def set_inferred(self, size: int | None) -> None:
        self.setSpecialValueText(AUTO if size is None else f"{AUTO} ({size})")


class FloatSpinBox(QDoubleSpinBox):
    """A real number shown with the digits it needs (1e-05, not 0.0000), whose arrows step by its own
    leading digit (1e-05 -> 2e-05, 0.3 -> 0.4)."""

    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(12)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        return float(text)

    def validate(self, text: str, pos: int) -> object:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate
        inside = self.minimum() <= value <= self.maximum()
        return QValidator.State.Acceptable if inside else QValidator.State.Intermediate

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if value > 0:
            lead = 10 ** math.floor(math.log10(value) + 1e-9)
            step = lead / 10 if steps < 0 and math.isclose(value, lead) else lead
            self.setValue(round(value + steps * step, 12))
        else:
            super().stepBy(steps)


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
    elif param.kind == "int" and param.optional:
        maybe = WordSpinBox("none")
        maybe.setRange(int(param.min or 0) - 1, int(min(param.max or INT_LIMIT, INT_LIMIT)))
        maybe.setKeyboardTracking(False)
        maybe.valueChanged.connect(lambda v: edited(name, None if v < maybe.minimum() + 1 else int(v)))
        editor = maybe
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
        spin = FloatSpinBox()
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
    elif param.kind == "points":
        editor = QLabel()  # the points are drawn on the input plane, not typed
    else:
        line = QLineEdit()
        if param.kind in ("ints", "dims"):
            words = "".join(f" or {c}" for c in param.choices)
            line.setPlaceholderText("e.g. 1, 8, 8" if param.kind == "ints" else f"e.g. 3 or 3, 5{words}")
            line.editingFinished.connect(lambda: edited(name, parse_value(param, line.text())))
        else:
            line.editingFinished.connect(lambda: edited(name, line.text().strip()))
        editor = line
    editor.setObjectName(f"param_{name}")
    editor.setToolTip(param.doc)
    return editor


def show_value(editor: QWidget, value: Any) -> None:
    """Put ``value`` in ``editor`` (callers guard against the change signal echoing back)."""
    if isinstance(editor, WordSpinBox):
        editor.setValue(editor.minimum() if value in (AUTO, None) else value)
    elif isinstance(editor, QSpinBox | QDoubleSpinBox):
        editor.setValue(value)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(value)
    elif isinstance(editor, QComboBox):
        editor.setCurrentText(value)
    elif isinstance(editor, QLabel):
        editor.setText(f"{len(value)} point{'s' if len(value) != 1 else ''}: draw on the input plane")
    elif isinstance(editor, QLineEdit) and not editor.hasFocus():
        editor.setText(ints_text(value) if isinstance(value, list) else str(value))
