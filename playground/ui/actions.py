"""The window's actions, made in one place: each with its text, shortcuts, icon and object name (the
name tests and the stage find it by). The window and each controller add theirs through the registry
they are given, and speak through the status bar they are given (``Say``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget

Shortcut = str | QKeySequence.StandardKey | list[str]
Say = Callable[..., None]
"""What a controller says in the status bar: the window's ``statusBar().showMessage(text[, milliseconds])``."""


class Actions:
    def __init__(self, window: QWidget) -> None:
        self.window = window

    def add(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: Shortcut | None = None,
        icon: QStyle.StandardPixmap | None = None,
        name: str = "",
    ) -> QAction:
        """An action of the window (its shortcuts work wherever the focus is in it), named ``name`` or
        after its text."""
        window = self.window
        action = QAction(text, window)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if icon is not None:
            action.setIcon(window.style().standardIcon(icon))
        action.setObjectName(name or text.lower().replace(" ", "_").replace("…", ""))
        action.triggered.connect(slot)
        window.addAction(action)
        return action
