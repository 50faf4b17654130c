"""Text is shown as plain text: Qt guesses rich text from anything that looks like a tag, and rich text
loads every ``<img src>`` it names (a project title of ``<img src="/dev/zero">`` read the device into
memory until the window died; a FIFO hung it). Titles, notes, briefs, goals, names, paths and messages
come from files a stranger may have written, so every label, tooltip and message box of the window goes
through here: ``Label`` never reads rich text, ``tip`` and ``bold_tip`` escape what they are given, and
``warn``, ``inform`` and ``ask`` show their text as it is."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

Button = QMessageBox.StandardButton


class Label(QLabel):
    """A QLabel that shows its text as it is, never as rich text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)


def escaped(text: str) -> str:
    """``text`` for a place that reads rich text: every character shown as it is, lines kept."""
    return html.escape(text).replace("\n", "<br>")


def tip(text: str) -> str:
    """A tooltip that shows ``text`` as it is (Qt reads a tooltip that looks like markup as rich text)."""
    return f"<p>{escaped(text)}</p>"


def bold_tip(title: str, *lines: str) -> str:
    """A tooltip with ``title`` in bold and each of ``lines`` under it, all shown as they are."""
    return "<br>".join([f"<b>{escaped(title)}</b>", *(escaped(line) for line in lines)])


def _box(
    icon: QMessageBox.Icon, parent: QWidget | None, title: str, text: str, buttons: Button, default: Button
) -> Button:
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(default)
    return Button(box.exec())


def warn(parent: QWidget | None, title: str, text: str) -> None:
    _box(QMessageBox.Icon.Warning, parent, title, text, Button.Ok, Button.Ok)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    _box(QMessageBox.Icon.Information, parent, title, text, Button.Ok, Button.Ok)


def ask(parent: QWidget | None, title: str, text: str, buttons: Button, default: Button) -> Button:
    """The button the user pressed (Escape gives the Cancel, No or Discard among ``buttons``, as Qt's)."""
    return _box(QMessageBox.Icon.Question, parent, title, text, buttons, default)
