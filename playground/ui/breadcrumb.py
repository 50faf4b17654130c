"""The path of groups the canvas shows, above it: "Network › layer1 › 0"; each step goes back up to it."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from playground.core.groups import level_of
from playground.ui.document import Document
from playground.ui.layouts import empty
from playground.ui.plain import Label
from playground.ui.theme import set_font


class Breadcrumb(QWidget):
    """Shown only inside a group; the last step (the group open now) is not a button."""

    def __init__(self, document: Document) -> None:
        super().__init__()
        self.setObjectName("breadcrumb")
        self.document = document
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 4, 8, 4)
        document.level_changed.connect(self.refresh)
        document.replaced.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        empty(self.row)
        path = self.document.level
        self.setVisible(bool(path))
        names = ["Network", *(self._title(path[: depth + 1]) for depth in range(len(path)))]
        for depth, name in enumerate(names):
            if depth:
                arrow = Label("›")
                set_font(arrow, 12)
                self.row.addWidget(arrow)
            if depth == len(path):
                here = Label(name)
                here.setObjectName("crumb_here")
                set_font(here, 12, bold=True)
                self.row.addWidget(here)
                continue
            step = QToolButton()
            step.setObjectName(f"crumb_{depth}")
            step.setText(name)
            step.setToolTip(f"Back to {'the whole network' if depth == 0 else 'group ' + path[depth - 1]}")
            set_font(step, 12)
            step.clicked.connect(lambda _=False, up=path[:depth]: self.document.enter(up))
            self.row.addWidget(step)
        self.row.addStretch(1)

    def _title(self, path: list[str]) -> str:
        """A group's step: its id, and how many times it repeats (what its inside shows is one copy)."""
        parent = level_of(self.document.root, path[:-1])
        repeat = parent.blocks[path[-1]].params.get("repeat", 1)
        return f"{path[-1]} (one of ×{repeat})" if repeat > 1 else path[-1]
