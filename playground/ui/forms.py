"""Editors generated from ParamSpecs: spin boxes with ranges, combo boxes for choices, check boxes.
Used by the inspector (block parameters) and the training panel (dataset and training settings)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QScrollBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core.param_kinds import KINDS
from playground.core.registry import AUTO, ParamSpec
from playground.ui.plain import Label

INT_LIMIT = 2**31 - 1
Commit = Callable[[Any], None]  # the value the user settled on


class WordSpinBox(QSpinBox):
    """A whole number that may instead be a word, held as the value below the minimum: "none" (an
    option that is off) or "auto"; the word is also taken typed in."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word
        self.setSpecialValueText(word)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        typed = text.strip().lower()
        if typed and self.word.startswith(typed[: len(self.word)]):
            state = QValidator.State.Acceptable if typed.startswith(self.word) else QValidator.State.Intermediate
            return state, text, pos
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

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        inside = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if inside else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if value > 0:
            lead = 10 ** math.floor(math.log10(value) + 1e-9)
            step = lead / 10 if steps < 0 and math.isclose(value, lead) else lead
            self.setValue(round(value + steps * step, 12))
        else:
            super().stepBy(steps)


def _whole(param: ParamSpec, commit: Commit) -> QSpinBox:
    """A whole number; one that may be "auto" (the wire's size) or "none" (the option off) holds the word as
    the value below its minimum."""
    if param.infer_from is not None or param.optional:
        word = AUTO if param.infer_from is not None else None
        box: QSpinBox = AutoSpinBox() if word else WordSpinBox("none")
        box.setRange(int(param.min or (1 if word else 0)) - 1, int(min(param.max or INT_LIMIT, INT_LIMIT)))
        off = box.minimum()
        box.valueChanged.connect(lambda v: commit(word if v < off + 1 else int(v)))
        return box
    box = QSpinBox()
    box.setRange(
        int(max(param.min if param.min is not None else -INT_LIMIT, -INT_LIMIT)),
        int(min(param.max if param.max is not None else INT_LIMIT, INT_LIMIT)),
    )
    box.valueChanged.connect(lambda v: commit(int(v)))
    return box


def _number(param: ParamSpec, commit: Commit) -> QDoubleSpinBox:
    spin = FloatSpinBox()
    spin.setRange(param.min if param.min is not None else -1e9, param.max if param.max is not None else 1e9)
    spin.setSingleStep(0.1 if (param.max or 1) <= 1 else 1.0)
    spin.valueChanged.connect(lambda v: commit(float(v)))
    return spin


def _check(param: ParamSpec, commit: Commit) -> QCheckBox:
    check = QCheckBox()
    check.toggled.connect(lambda v: commit(bool(v)))
    return check


def _choice(param: ParamSpec, commit: Commit) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(param.choices))
    combo.currentTextChanged.connect(commit)
    return combo


def _line(param: ParamSpec, commit: Commit) -> QLineEdit:
    line = QLineEdit()
    line.setPlaceholderText(param.handler.hint(param))
    line.editingFinished.connect(lambda: commit(param.handler.parse(param, line.text())))
    return line


def _drawn(param: ParamSpec, commit: Commit) -> QLabel:
    return Label()  # the points are drawn on the input plane, not typed


# The editor for each style a parameter kind names (core/param_kinds.py: ParamKind.editor).
EDITORS: dict[str, Callable[[ParamSpec, Commit], QWidget]] = {
    "whole": _whole,
    "number": _number,
    "check": _check,
    "choice": _choice,
    "line": _line,
    "file": _line,  # the settings form puts Browse… beside it
    "folder": _line,
    "drawn": _drawn,
}


def make_editor(param: ParamSpec, edited: Callable[[str, Any], None]) -> QWidget:
    """An editor for ``param`` that calls ``edited(name, value)`` when the user commits a value."""
    editor = EDITORS[param.handler.editor](param, lambda value: edited(param.name, value))
    if isinstance(editor, QSpinBox | QDoubleSpinBox):
        editor.setKeyboardTracking(False)
    guard_from_the_wheel(editor)
    editor.setObjectName(f"param_{param.name}")
    editor.setToolTip(param.doc)
    editor.setProperty("kind", param.kind)
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
    elif isinstance(editor, QLabel | QLineEdit) and not editor.hasFocus():
        editor.setText(KINDS[editor.property("kind")].format(value))


class WheelScrollsPast(QObject):
    """The mouse wheel over a value (a spin box, a choice, a slider) that was not clicked first scrolls the
    panel the value is in instead of changing it: scrolling down the settings must not change the dataset
    or the threads on the way."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:
            QApplication.sendEvent(area.verticalScrollBar(), event)
        return True


_WHEEL = WheelScrollsPast()
GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


def guard_from_the_wheel(root: QWidget) -> None:
    """``root`` and the values inside it take the wheel only once clicked (not Qt's WheelFocus, where the
    wheel itself gives them the focus); until then it scrolls their panel."""
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, GUARDED) and not isinstance(widget, QScrollBar):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(_WHEEL)


def scrolled(owner: QWidget, inner: QWidget) -> None:
    """``inner`` fills ``owner``, scrolling when it is taller (a panel in a small dock)."""
    scroll = QScrollArea()
    scroll.setWidget(inner)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(scroll)
