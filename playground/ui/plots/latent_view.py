"""A code space: every validation example's code in an autoencoder or a VAE, or every row of an
embedding table, coloured by its label or group (which the network never sees); codes wider than two
numbers are shown along their two principal directions."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import Latent
from playground.ui.plots.colors import class_colour
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme, title_size


class LatentView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("latentView")
        self.plot = pg.PlotWidget()
        style_plot(self.plot, theme, "Codes")
        self.plot.setMouseEnabled(False, False)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(31, 41, 55, 150, width=0.6))
        self.plot.addItem(self.points)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.last: Latent | None = None
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.plot, theme)

    def clear(self) -> None:
        self.last = None
        self.points.clear()

    def show_payload(self, latent: Latent) -> None:
        self.last = latent
        title, codes, labels = latent.title, latent.codes, latent.labels
        brushes = [pg.mkBrush(*class_colour(c)) for c in labels] if labels is not None else pg.mkBrush("#2563eb")
        self.points.setData(pos=codes, brush=brushes)
        self.plot.getPlotItem().setTitle(title, size=title_size(10))
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.08)
