"""Points a generative model draws over its data: a GAN's over what its discriminator believes about
every place in the plane, a diffusion model's over the data's density, with the reverse-diffusion
trajectories played as an animation (a few points travel from noise to the data, each with a short
trail of its last steps)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import Generated
from playground.ui.plots.colors import diverging, sequential
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme

DENSITY_BINS = 64
FRAME_MS = 33
ANIMATION_FRAMES = 60  # a trajectory plays in two seconds, then its end stays
TRAIL = 12  # steps of a trajectory drawn behind its moving point
GENERATED = (124, 58, 237)  # violet: neither a class colour nor the belief's orange and blue
DENSITY_TITLE = "Generated points (violet) over the data (shaded)"
BELIEF_TITLE = "Generated (violet), data (grey), discriminator: blue = real"


class SamplesView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("samplesView")
        self.theme = theme
        self.plot = pg.PlotWidget()
        style_plot(self.plot, theme, DENSITY_TITLE)
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.density = pg.ImageItem(axisOrder="row-major")
        self.data_points = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(51, 65, 85, 110))
        self.samples = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(*GENERATED, 190))
        self.paths = pg.PlotCurveItem(pen=pg.mkPen(234, 88, 12, 110, width=1))
        self.heads = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.8), brush=pg.mkBrush("#ea580c"))
        for item in (self.density, self.data_points, self.samples, self.paths, self.heads):
            self.plot.addItem(item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._advance)
        self.last: Generated | None = None
        self.data: np.ndarray | None = None
        self.frame = 0
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        style_plot(self.plot, theme)

    def clear(self) -> None:
        self.timer.stop()
        self.last = self.data = None
        for item in (self.samples, self.heads, self.data_points):
            item.clear()
        self.paths.setData([], [])
        self.density.clear()

    def show_payload(self, generated: Generated) -> None:
        self.last = generated
        if generated.belief is not None and generated.bounds is not None:
            self._show_belief(generated, generated.belief, generated.bounds)
        elif self.data is None or not np.array_equal(self.data, generated.data):
            self._show_density(generated)
        self.samples.setData(pos=generated.samples)
        if generated.trajectories is not None:
            self.frame = 0
            self.timer.start()
        self._advance()

    def _show_belief(self, generated: Generated, belief: np.ndarray, bounds: tuple[float, float, float, float]) -> None:
        """The discriminator's P(real) as the background (blue: real, orange: fake, stretched to its
        range), the data as grey dots."""
        if self.data is None or not np.array_equal(self.data, generated.data):
            self.data = generated.data
            self.data_points.setData(pos=generated.data)
            style_plot(self.plot, self.theme, BELIEF_TITLE)
        x0, y0, x1, y1 = bounds
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self.density.setImage(diverging(2 * belief - 1), levels=(0, 255), rect=rect)
        self.plot.setRange(rect, padding=0)

    def _show_density(self, generated: Generated) -> None:
        self.data = generated.data
        self.data_points.clear()
        style_plot(self.plot, self.theme, DENSITY_TITLE)
        low, high = generated.data.min(axis=0), generated.data.max(axis=0)
        pad = 0.15 * (high - low).max()
        low, high = low - pad, high + pad
        if generated.trajectories is not None:  # most of the noise they start from, too
            start = generated.trajectories[:, 0]
            low = np.minimum(low, np.percentile(start, 5, axis=0))
            high = np.maximum(high, np.percentile(start, 95, axis=0))
        counts, _, _ = np.histogram2d(
            generated.data[:, 1], generated.data[:, 0], DENSITY_BINS, [[low[1], high[1]], [low[0], high[0]]]
        )
        shade = sequential(np.sqrt(counts))
        shade[..., 3] = np.where(counts > 0, 150, 0)
        rect = QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1])
        self.density.setImage(shade, levels=(0, 255), rect=rect)
        self.plot.setRange(rect, padding=0)

    def _advance(self) -> None:
        paths = self.last.trajectories if self.last is not None else None
        if paths is None:
            self.timer.stop()
            self.paths.setData([], [])
            self.heads.clear()
            return
        steps = paths.shape[1]
        upto = max(1, round(steps * min(self.frame, ANIMATION_FRAMES) / ANIMATION_FRAMES))
        shown = paths[:, max(0, upto - TRAIL) : upto]  # (k, trail, 2)
        connect = np.ones(shown.shape[:2], dtype=bool)
        connect[:, -1] = False  # one line per trajectory
        self.paths.setData(shown[..., 0].ravel(), shown[..., 1].ravel(), connect=connect.ravel())
        self.heads.setData(pos=shown[:, -1])
        self.frame += 1
        if self.frame > ANIMATION_FRAMES:
            self.timer.stop()
