"""Rows of small images: for segmentation, a few validation images, their true masks and the
predicted masks (the probability of each pixel belonging to the shape); for an autoencoder, inputs
and their reconstructions; for a VAE, images decoded over its code plane or from random codes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import ImageRows
from playground.ui.plots.colors import sequential
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme

GAP = 2


def scaled(images: np.ndarray) -> np.ndarray:
    """Each image stretched to 0..1."""
    low = images.min(axis=(1, 2), keepdims=True)
    span = images.max(axis=(1, 2), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1)


def rows(*stacks: np.ndarray) -> np.ndarray:
    """One row per stack of k images (k, H, W), NaN in the gaps."""
    k, height, width = stacks[0].shape
    out = np.full((len(stacks) * (height + GAP) - GAP, k * width + (k - 1) * GAP), np.nan)
    for r, stack in enumerate(stacks):
        for c in range(k):
            top, left = r * (height + GAP), c * (width + GAP)
            out[top : top + height, left : left + width] = stack[c]
    return out


def image_plot(theme: Theme, title: str) -> tuple[pg.PlotWidget, pg.ImageItem]:
    """A plot that shows one image, row 0 on top, not panned or zoomed by the mouse."""
    plot = pg.PlotWidget()
    style_plot(plot, theme, title)
    plot.invertY(True)
    plot.setMouseEnabled(False, False)
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


class ImagesView(QWidget):
    def __init__(self, theme: Theme, name: str, title: str, scale_first: bool = True) -> None:
        super().__init__()
        self.setObjectName(name)
        self.scale_first = scale_first  # the first row holds inputs of any range; the others are 0..1
        self.plot, self.image = image_plot(theme, title)
        self.plot.setAspectLocked(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.last: tuple[np.ndarray, ...] | None = None
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.plot, theme)

    def clear(self) -> None:
        self.last = None
        self.image.clear()

    def show_payload(self, images: ImageRows) -> None:
        stacks = self.last = images.rows
        grid = rows(scaled(stacks[0]) if self.scale_first else stacks[0], *stacks[1:])
        rgba = sequential(np.nan_to_num(grid, nan=0.0))
        rgba[np.isnan(grid)] = (0, 0, 0, 0)
        self.image.setImage(rgba, levels=(0, 255), rect=QRectF(0, 0, grid.shape[1], grid.shape[0]))
        self.plot.getPlotItem().getViewBox().autoRange(padding=0.02)
