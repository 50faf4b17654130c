"""File > Open Preset…: the lecture presets as cards in lecture order, each with a picture of its
network, its title and its one-line description."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from playground.core.project import load
from playground.core.project_types import Project
from playground.core.reader import ProjectError
from playground.core.registry import get_spec
from playground.ui.plain import Label, bold_tip
from playground.ui.theme import Theme, category_colour

THUMBNAIL = QSize(260, 150)
CHIP_MARGIN = 14.0
CHIP_SIZES = (22.0, 19.0, 16.0, 14.0)  # text sizes tried, largest first (pixels, on a 2x card)
LECTURE_ROLE = Qt.ItemDataRole.UserRole + 1


def thumbnail(project: Project, theme: Theme) -> QPixmap:
    """The project's network as a card can show it legibly: its blocks' titles in the order data flows
    through them, as chips in their category's colour, wrapping onto as many rows as needed."""
    image = QImage(THUMBNAIL * 2, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(theme.canvas)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    graph = project.graph
    specs = [get_spec(graph.blocks[b].type) for b in graph.topological_order()]
    chips = [(spec.title if spec else "?", category_colour(spec.category if spec else "")) for spec in specs]
    room = QRectF(image.rect()).adjusted(CHIP_MARGIN, CHIP_MARGIN, -CHIP_MARGIN, -CHIP_MARGIN)
    size, rects = fit_chips([title for title, _ in chips], room)
    painter.setFont(chip_font(size))
    painter.setClipRect(room)  # a network too large for the card at the smallest size is cut at its edge
    for (title, colour), rect in zip(chips, rects, strict=True):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, title)
    painter.end()
    image.setDevicePixelRatio(2)
    return QPixmap.fromImage(image)


def chip_font(size: float) -> QFont:
    font = QFont()
    font.setPixelSize(int(size))
    font.setBold(True)
    return font


def fit_chips(titles: list[str], room: QRectF) -> tuple[float, list[QRectF]]:
    """The largest text size at which every chip fits ``room``, and the chips' rectangles row by row
    (at the smallest size whatever the fit)."""
    for size in CHIP_SIZES:
        rects, bottom = _place_chips(titles, room, size)
        if bottom <= room.bottom() or size == CHIP_SIZES[-1]:
            shift = max(0.0, (room.bottom() - bottom) / 2)  # the rows sit in the middle of the card
            return size, [rect.translated(0, shift) for rect in rects]
    raise AssertionError("CHIP_SIZES is empty")


def _place_chips(titles: list[str], room: QRectF, size: float) -> tuple[list[QRectF], float]:
    metrics = QFontMetricsF(chip_font(size))
    height, gap = size * 1.7, size * 0.45
    x, y, rects = room.left(), room.top(), []
    for title in titles:
        width = min(metrics.horizontalAdvance(title) + size * 1.2, room.width())
        if x + width > room.right() and x > room.left():
            x, y = room.left(), y + height + gap
        rects.append(QRectF(x, y, width, height))
        x += width + gap
    return rects, y + height


class Gallery(QDialog):
    def __init__(self, folder: Path, theme: Theme, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("gallery")
        self.setWindowTitle("Open a lecture preset or an assignment")
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
        for path in [*sorted(folder.glob("*.json")), *sorted(folder.glob("assignments/*.json"))]:
            try:
                presets.append((load(path), path))
            except ProjectError as exc:
                self.problems.append(str(exc))
        presets.sort(key=lambda pair: (pair[0].assignment is not None, pair[0].lecture, pair[0].title))
        for project, path in presets:  # the lectures in order, then the assignments
            title = (
                f"{project.title} (lecture {project.lecture})"
                if project.assignment is not None
                else f"Lecture {project.lecture}: {project.title}"
            )
            item = QListWidgetItem(QIcon(thumbnail(project, theme)), f"{title}\n{project.description}")
            item.setToolTip(bold_tip(project.title, project.description, path.name))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setData(LECTURE_ROLE, project.lecture)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.cards.addItem(item)
        self.search = QLineEdit()
        self.search.setObjectName("gallerySearch")
        self.search.setPlaceholderText("Search the presets: a title, a lecture number, a word from the description")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._choose_current)
        self.description = Label("Pick a lecture example: double-click a card, or select it and press Open.")
        self.description.setObjectName("galleryDescription")
        self.description.setWordWrap(True)
        self.cards.currentItemChanged.connect(self._show_description)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self._choose(self.cards.currentItem()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.cards, 1)
        layout.addWidget(self.description)
        if self.problems:
            broken = Label("Not shown (unreadable): " + "; ".join(self.problems))
            broken.setWordWrap(True)
            broken.setStyleSheet("color: #dc2626;")
            layout.addWidget(broken)
        layout.addWidget(buttons)
        self.resize(3 * (THUMBNAIL.width() + 24) + 60, 2 * (THUMBNAIL.height() + 110) + 140)

    def filter(self, text: str) -> None:
        """Show only the cards whose id, lecture, title or description hold every word typed; the first
        of them is the current one (Return opens it), and none when nothing matches."""
        words = text.lower().split()
        for row in range(self.cards.count()):
            item = self.cards.item(row)
            searched = f"{Path(item.data(Qt.ItemDataRole.UserRole)).stem} {item.text()}".lower()
            self.cards.setRowHidden(row, not all(word in searched for word in words))
        visible = [self.cards.item(r) for r in range(self.cards.count()) if not self.cards.isRowHidden(r)]
        if not visible:
            self.cards.setCurrentRow(-1)
            self.description.setText(f"No preset matches '{text.strip()}'.")
        elif self.cards.currentItem() is None or self.cards.currentItem().isHidden():
            self.cards.setCurrentItem(visible[0])

    def _show_description(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.description.setText(item.toolTip())

    def _choose_current(self) -> None:
        self._choose(self.cards.currentItem())

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is None or item.isHidden():  # only what is shown opens
            return
        self.chosen = Path(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
