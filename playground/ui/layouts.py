"""Layout chores the panels share: ``empty`` takes every widget out of a layout at once."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout


def empty(layout: QLayout) -> None:
    """Take every widget out of ``layout`` now (not when the event loop gets round to deleting it, so
    nothing finds it by name meanwhile), and have it deleted."""
    while layout.count():
        taken = layout.takeAt(0)
        widget = taken.widget() if taken is not None else None
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()
