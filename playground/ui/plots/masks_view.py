"""Segmentation: a few validation images (top row), their true masks (middle) and the network's
predicted masks (bottom: the probability of each pixel belonging to the shape)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import Snapshot
from playground.ui.plots.colors import sequential
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme

GAP = 2


def rows(images: np.ndarray, truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Three rows of k images each, NaN in the gaps: images scaled to 0..1 each, masks as they are."""
    k, height, width = images.shape
    low = images.min(axis=(1, 2), keepdims=True)
    span = images.max(axis=(1, 2), keepdims=True) - low
    scaled = (images - low) / np.where(span > 0, span, 1)
    out = np.full((3 * height + 2 * GAP, k * width + (k - 1) * GAP), np.nan)
    for r, stack in enumerate((scaled, truth, predicted)):
        for c in range(k):
            top, left = r * (height + GAP), c * (width + GAP)
            out[top : top + height, left : left + width] = stack[c]
    return out


class MasksView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("masksView")
        self.plot = pg.PlotWidget()
        style_plot(self.plot, theme, "Images, true masks, predicted masks")
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.plot, theme)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.masks is None:
            return
        self.last = snapshot.masks
        grid = rows(*snapshot.masks)
        rgba = sequential(np.nan_to_num(grid, nan=0.0))
        rgba[np.isnan(grid)] = (0, 0, 0, 0)
        self.image.setImage(rgba, levels=(0, 255), rect=QRectF(0, 0, grid.shape[1], grid.shape[0]))
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.02)
