"""Keyboard rules of the main window, across its widgets: Return or Enter in a field commits it and gives
the keyboard back to the canvas, Esc cancels the edit, and Space plays or pauses everywhere except while a
text field is being edited (the canvas keeps Space for itself: hold to pan, tap to play); Esc outside a
field leaves presentation mode and full screen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from playground.ui.theme import application

COMMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def field_of(widget: QWidget | None) -> QWidget | None:
    """The editor a focused widget belongs to (a spin box for its line edit), or None if it is no field."""
    holder = widget.parent() if isinstance(widget, QLineEdit) else None
    if isinstance(holder, QAbstractSpinBox | QComboBox):
        return holder
    return widget if isinstance(widget, QLineEdit | QAbstractSpinBox | QComboBox) else None


def edits_text(widget: QWidget | None) -> bool:
    """Whether Space typed into ``widget`` would go into text being edited."""
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    field = field_of(widget)
    if isinstance(field, QComboBox):
        return field.isEditable()
    return field is not None and not (isinstance(field, QLineEdit) and field.isReadOnly())


def shown_text(box: QSpinBox | QDoubleSpinBox) -> str:
    """What a spin box shows for the value it holds (the text typed since is dropped)."""
    if box.specialValueText() and box.value() == box.minimum():
        return box.specialValueText()
    if isinstance(box, QDoubleSpinBox):
        return box.prefix() + box.textFromValue(box.value()) + box.suffix()
    return box.prefix() + box.textFromValue(box.value()) + box.suffix()


class WindowKeys(QObject):
    def __init__(
        self,
        window: QWidget,
        canvas: QWidget,
        play: Callable[[], None],
        revert: Callable[[], None],
        escape: Callable[[], bool],
    ) -> None:
        super().__init__(window)
        self.window, self.canvas, self.play, self.revert, self.escape = window, canvas, play, revert, escape
        self.watched: list[QWidget] = []
        application().focusChanged.connect(self._focus_changed)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """Watch only the widget with the keyboard (and a field's line edit): an application-wide
        filter would run Python for every event of every widget."""
        for widget in self.watched:
            widget.removeEventFilter(self)
        self.watched = []
        if new is None or new.window() is not self.window:
            return
        field = field_of(new)
        line = field.lineEdit() if isinstance(field, QAbstractSpinBox | QComboBox) else None
        self.watched = [w for w in (new, line) if w is not None]
        for widget in self.watched:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self.window or QApplication.activePopupWidget() is not None:
            return False
        assert isinstance(event, QKeyEvent)
        focus = QApplication.focusWidget()
        inner = isinstance(watched, QLineEdit) and field_of(watched) is field_of(focus) is not None
        if watched is not focus and not inner:
            return False  # the same key press is filtered again on its way up through the parents
        key, plain = (
            event.key(),
            event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier),
        )
        if key == Qt.Key.Key_Space and plain and focus is not self.canvas and not edits_text(focus):
            if not event.isAutoRepeat():
                self.play()
            return True
        field = field_of(focus)
        if field is None and key == Qt.Key.Key_Escape and plain:
            return self.escape()  # True where it left a mode; else the key goes on (a wire drag's cancel)
        if field is None or not plain:
            return False
        if key in COMMIT_KEYS:
            QTimer.singleShot(0, self.canvas.setFocus)  # after the field has taken the value
        elif key == Qt.Key.Key_Escape:
            blocked = field.blockSignals(True)  # leaving the field must not commit what was typed
            if isinstance(field, QSpinBox | QDoubleSpinBox):
                field.lineEdit().setText(shown_text(field))
            self.canvas.setFocus()
            field.blockSignals(blocked)
            self.revert()
            return True
        return False
