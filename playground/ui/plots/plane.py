"""The input plane: what the network answers at every point of a 2-D dataset's plane, under the
training points (filled) and validation points (white rim). TensorFlow Playground's main view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import Points, Snapshot
from playground.ui.plots.colors import class_colour, class_regions, diverging
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme


class PlaneView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("planeView")
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("planePlot")
        style_plot(self.plot, theme, "Output over the input plane")
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(31, 41, 55, 200, width=0.8))
        self.val_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1.6))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.val_points)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        self.points: Points | None = None
        self.classes: int | None = None
        self.last_image: np.ndarray | None = None
        self.rect = QRectF()
        self.set_points(None, None)

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.plot, theme)

    def set_points(self, points: Points | None, classes: int | None) -> None:
        self.points, self.classes = points, classes
        self.setVisible(points is not None)  # only networks with one 2-D input have a plane to show
        self.image.clear()
        self.last_image = None
        if points is None:
            self.train_points.clear()
            self.val_points.clear()
            return
        self.train_points.setData(pos=points.train_x, brush=self._brushes(points.train_y))
        self.val_points.setData(pos=points.val_x, brush=self._brushes(points.val_y))
        low, high = points.bounds
        self.rect = QRectF(low, low, high - low, high - low)
        self.plot.setRange(xRange=(low, high), yRange=(low, high), padding=0)

    def _brushes(self, labels: np.ndarray) -> list:
        if self.classes:
            return [pg.mkBrush(*class_colour(v)) for v in labels.astype(int)]
        limit = float(np.abs(labels).max()) or 1.0
        colours = diverging(labels.reshape(1, -1), limit)[0]
        return [pg.mkBrush(*c[:3].tolist()) for c in colours]

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if self.points is None or snapshot.plane_output not in snapshot.plane:
            return
        scores = snapshot.plane[snapshot.plane_output]
        rgba = class_regions(scores, binary=len(scores) == 1) if self.classes else diverging(scores[0])
        self.last_image = rgba
        self.image.setImage(rgba, levels=(0, 255), rect=self.rect)  # the rect maps pixels once sizes are known
