"""The validation images behind a cell of the confusion matrix (clicked in the Output's live view): the
pictures of one class that the network takes for another, each with its file, in a window of their own."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QScrollArea, QVBoxLayout, QWidget

from playground.runtime.messages import CellImages
from playground.ui.layouts import empty
from playground.ui.plain import Label, tip
from playground.ui.plots.predictions_view import pixmap
from playground.ui.theme import set_font, ui_scale

COLUMNS = 8
SIDE = 72  # pixels per picture at scale 1


def cell_title(cell: CellImages) -> str:
    """ "3 images of circle taken for star", or "... of circle recognised as circle" on the diagonal."""
    true, predicted = cell.classes[cell.true], cell.classes[cell.predicted]
    what = f"recognised as {true}" if cell.true == cell.predicted else f"taken for {predicted}"
    shown = f" (the first {len(cell.images)})" if len(cell.images) < cell.count else ""
    return f"{cell.count:,} validation image{'s' * (cell.count != 1)} of {true} {what}{shown}"


class CellImagesDialog(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("cellImages")
        self.setWindowTitle("Confusion matrix cell")
        self.title = Label()
        self.title.setObjectName("cellImagesTitle")
        self.title.setWordWrap(True)
        set_font(self.title, 11, bold=True)
        self.grid_holder = QWidget()
        self.grid = QGridLayout(self.grid_holder)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_holder)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(scroll, 1)
        self.shown: CellImages | None = None

    def show_cell(self, cell: CellImages) -> None:
        self.shown = cell
        empty(self.grid)  # the last cell's pictures go at once, not at the next turn of the event loop
        side = round(SIDE * ui_scale())
        for i, (image, file) in enumerate(zip(cell.images, cell.files, strict=True)):
            picture = Label()
            picture.setPixmap(pixmap(image, side))
            picture.setToolTip(tip(file or f"validation image {i}"))
            self.grid.addWidget(picture, i // COLUMNS, i % COLUMNS)
        self.title.setText(cell_title(cell) if cell.count else f"{cell_title(cell)}: none now")
        self.resize(min(COLUMNS, max(len(cell.images), 4)) * (side + 8) + 40, 420)
        self.show()
        self.raise_()
