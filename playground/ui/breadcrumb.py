"""The path of groups the canvas shows, above it: "Network › layer1 › 0"; each step goes back up to it."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from playground.ui.document import Document
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
        while self.row.count():
            widget = self.row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        path = self.document.level
        self.setVisible(bool(path))
        names = ["Network", *path]
        for depth, name in enumerate(names):
            if depth:
                arrow = QLabel("›")
                set_font(arrow, 12)
                self.row.addWidget(arrow)
            if depth == len(path):
                here = QLabel(f"<b>{name}</b>")
                here.setObjectName("crumb_here")
                set_font(here, 12)
                self.row.addWidget(here)
                continue
            step = QToolButton()
            step.setObjectName(f"crumb_{depth}")
            step.setText(name)
            step.setToolTip(f"Back to {'the whole network' if depth == 0 else 'group ' + name}")
            set_font(step, 12)
            step.clicked.connect(lambda _=False, up=path[:depth]: self.document.enter(up))
            self.row.addWidget(step)
        self.row.addStretch(1)
