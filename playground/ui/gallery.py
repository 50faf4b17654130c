"""File > Open Preset…: the lecture presets as cards in lecture order, each with a picture of its
network, its title and its one-line description."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout

from playground.core.project import Project, ProjectError, load
from playground.ui.canvas.scene import GraphScene
from playground.ui.document import Document
from playground.ui.theme import Theme

THUMBNAIL = QSize(260, 150)
LECTURE_ROLE = Qt.ItemDataRole.UserRole + 1


def thumbnail(project: Project, theme: Theme, parent: QDialog) -> QPixmap:
    """The project's network drawn small, the way the canvas draws it."""
    document = Document(parent)
    document.open_project(project, None)
    scene = GraphScene(document, theme, parent)
    image = QImage(THUMBNAIL * 2, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(theme.canvas)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    source = scene.itemsBoundingRect()
    room = QRectF(image.rect()).adjusted(12, 12, -12, -12)
    size = source.size().scaled(room.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(0, 0, size.width(), size.height())
    target.moveCenter(room.center())  # a long, flat network sits in the middle of its card
    scene.render(painter, target, source)
    painter.end()
    scene.detach()
    image.setDevicePixelRatio(2)
    return QPixmap.fromImage(image)


class Gallery(QDialog):
    def __init__(self, folder: Path, theme: Theme, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("gallery")
        self.setWindowTitle("Open a lecture preset")
        self.chosen: Path | None = None
        self.cards = QListWidget()
        self.cards.setObjectName("galleryCards")
        self.cards.setViewMode(QListView.ViewMode.IconMode)
        self.cards.setIconSize(THUMBNAIL)
        self.cards.setGridSize(QSize(THUMBNAIL.width() + 24, THUMBNAIL.height() + 110))
        self.cards.setResizeMode(QListView.ResizeMode.Adjust)
        self.cards.setMovement(QListView.Movement.Static)
        self.cards.setWordWrap(True)
        self.cards.setSpacing(6)
        self.cards.itemActivated.connect(self._choose)
        self.problems: list[str] = []  # files that could not be read, each with why
        presets = []
        for path in sorted(folder.glob("*.json")):
            try:
                presets.append((load(path), path))
            except ProjectError as exc:
                self.problems.append(str(exc))
        for project, path in sorted(presets, key=lambda pair: (pair[0].lecture, pair[0].title)):
            item = QListWidgetItem(
                QIcon(thumbnail(project, theme, self)),
                f"Lecture {project.lecture}: {project.title}\n{project.description}",
            )
            item.setToolTip(f"<b>{project.title}</b><br>{project.description}<br><i>{path.name}</i>")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setData(LECTURE_ROLE, project.lecture)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.cards.addItem(item)
        self.description = QLabel("Pick a lecture example: double-click a card, or select it and press Open.")
        self.description.setObjectName("galleryDescription")
        self.description.setWordWrap(True)
        self.cards.currentItemChanged.connect(self._show_description)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self._choose(self.cards.currentItem()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.cards, 1)
        layout.addWidget(self.description)
        if self.problems:
            broken = QLabel("Not shown (unreadable): " + "; ".join(self.problems))
            broken.setWordWrap(True)
            broken.setStyleSheet("color: #dc2626;")
            layout.addWidget(broken)
        layout.addWidget(buttons)
        self.resize(3 * (THUMBNAIL.width() + 24) + 60, 2 * (THUMBNAIL.height() + 110) + 140)

    def _show_description(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.description.setText(item.toolTip())

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.chosen = Path(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
