"""The bottom dock: the project's dataset and training settings (live training arrives here next)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.ui.document import Document


class TrainingDock(QWidget):
    def __init__(self, document: Document) -> None:
        super().__init__()
        self.setObjectName("trainingPanel")
        self.document = document
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        document.replaced.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        project = self.document.project
        t = project.training
        params = ", ".join(f"{k}={v}" for k, v in project.dataset.params.items())
        self.summary.setText(
            f"<b>{project.title}</b> — dataset <b>{project.dataset.id}</b>"
            + (f" ({params})" if params else "")
            + f"; task {t.task}, {t.optimizer} lr {t.lr:g}, batch {t.batch_size}, seed {t.seed}.<br>"
            "Train it headless with <code>playground train FILE</code>; "
            "the live training controls will appear in this panel."
        )
