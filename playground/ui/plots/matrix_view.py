"""A weight matrix seen whole: the selected Linear block's weights as a heatmap, one row per output unit
and one column per input, blue where a unit weighs an input up and orange where it weighs it down
(white: ignored), on the matrix's own symmetric scale."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import Matrix
from playground.ui.plots.colors import diverging
from playground.ui.plots.curves import style_plot
from playground.ui.plots.images_view import image_plot
from playground.ui.theme import Theme, title_size


def axis_label(what: str, shown: int, size: int) -> str:
    """ "input (32)", or "input (first 64 of 784)" for a matrix cut to its first columns."""
    return f"{what} ({size})" if shown == size else f"{what} (first {shown} of {size})"


class MatrixView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("weightMatrixView")
        self.plot, self.image = image_plot(theme, "Weights")  # the first unit on top, as the matrix is written
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.last: Matrix | None = None
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.plot, theme)

    def clear(self) -> None:
        self.last = None
        self.image.clear()

    def show_payload(self, matrix: Matrix) -> None:
        self.last = matrix
        rows, columns = matrix.values.shape
        self.image.setImage(diverging(matrix.values), levels=(0, 255), rect=QRectF(0, 0, columns, rows))
        item = self.plot.getPlotItem()
        item.setTitle(matrix.title, size=title_size(10))
        style = {"font-size": title_size(9)}  # as large as the ticks, at the UI scale (presentation: the back row)
        item.setLabel("left", axis_label("unit", rows, matrix.size[0]), **style)
        item.setLabel("bottom", axis_label("input", columns, matrix.size[1]), **style)
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.02)
