"""What the network answers over its input: for a 2-D input, a heatmap of the input plane under the
training points (filled) and validation points (white rim), TensorFlow Playground's main view; for
a 1-D input, the fitted function over the points, with two bands of two standard deviations each (the
uncertainty lecture): the model's own doubt, the spread over Monte-Carlo dropout samples (epistemic,
blue), and the noise the network predicts for the data (aleatoric, orange)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from playground.runtime.live_views import CURVE
from playground.runtime.messages import Curve, PlaneLook, Points, Snapshot
from playground.ui.plots.colors import class_colour, class_regions, diverging
from playground.ui.plots.curves import style_plot
from playground.ui.plots.drawing import Drawing
from playground.ui.theme import Theme, title_size

EPISTEMIC = (37, 99, 235)  # the model's doubt: the spread over dropout samples
ALEATORIC = (234, 88, 12)  # the data's noise, as the network predicts it


class Band:
    """A band of two standard deviations around the mean: two edge curves and the fill between them."""

    def __init__(self, rgb: tuple[int, int, int], alpha: int) -> None:
        self.upper = pg.PlotCurveItem(pen=pg.mkPen(*rgb, 110))
        self.lower = pg.PlotCurveItem(pen=pg.mkPen(*rgb, 110))
        self.items = (pg.FillBetweenItem(self.upper, self.lower, brush=pg.mkBrush(*rgb, alpha)), self.upper, self.lower)

    def show(self, xs: np.ndarray | None, mean: np.ndarray | None, std: np.ndarray | None) -> None:
        if std is None:
            self.upper.setData([], [])
            self.lower.setData([], [])
        else:
            self.upper.setData(xs, mean + 2 * std)
            self.lower.setData(xs, mean - 2 * std)


class PlaneView(QWidget):
    drawn = Signal(list)  # the drawn dataset's points after a stroke, a removal or Clear

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("planeView")
        self.text_colour = theme.text.name()
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("planePlot")
        style_plot(self.plot, theme, "Output over the input plane")
        self.plot.setAspectLocked(True)  # equal axis scales
        self.plot.setMouseEnabled(False, False)
        self.plot.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # the grid drawn smooth, not blocky
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(31, 41, 55, 200, width=0.8))
        self.val_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1.6))
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.val_points)
        self.mean_line = pg.PlotDataItem(pen=pg.mkPen("#2563eb", width=2.5))
        self.noise_band = Band(ALEATORIC, 55)
        self.model_band = Band(EPISTEMIC, 70)
        for item in (*self.noise_band.items, *self.model_band.items, self.mean_line):
            self.plot.addItem(item)
        self.last_curve: Curve | None = None
        self.discretize = QCheckBox("Discretize output")
        self.discretize.setObjectName("discretizeOutput")
        self.discretize.setToolTip("Each point in the colour of its class at full strength, no shades of doubt")
        self.discretize.toggled.connect(self._redraw)
        self.show_test = QCheckBox("Show test data")
        self.show_test.setObjectName("showTestData")
        self.show_test.setToolTip("The validation points (white rims), which the network does not train on")
        self.show_test.setChecked(True)
        self.show_test.toggled.connect(self.val_points.setVisible)
        self.toggles = QWidget()
        self.toggles.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)  # no width forced
        row = QHBoxLayout(self.toggles)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.discretize)
        row.addWidget(self.show_test)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.drawing = Drawing(self.plot, self.set_drawing, self.drawn.emit)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.toggles)
        layout.addWidget(self.drawing.bar)
        self.last_look: PlaneLook | None = None
        self.unit: tuple[str, int] | None = None  # a hovered unit shown instead of the output
        self.points: Points | None = None
        self.classes: int | None = None
        self.last_image: np.ndarray | None = None
        self.area = QRectF()  # the plane's bounds, where its image is drawn
        self.set_points(None, None)

    def set_theme(self, theme: Theme) -> None:
        self.text_colour = theme.text.name()
        style_plot(self.plot, theme)

    def _show_curve(self, curve: Curve) -> None:
        self.last_curve = curve
        xs, mean, std, noise = curve.xs, curve.mean, curve.epistemic, curve.noise
        self.mean_line.setData(xs, mean)
        self.model_band.show(xs, mean, std)
        self.noise_band.show(xs, mean, noise)
        title = "Prediction over the input"
        shown = [
            (c, what)
            for c, what, s in ((EPISTEMIC, "model ±2σ", std), (ALEATORIC, "noise ±2σ", noise))
            if s is not None
        ]
        if shown:
            keys = " ".join(f"<span style='color: rgb{c}'>■ {what}</span>" for c, what in shown)
            title = f"{title} &nbsp; {keys}"
        self.plot.getPlotItem().setTitle(title, color=self.text_colour, size=title_size(10))

    def set_points(self, points: Points | None, classes: int | None) -> None:
        self.points, self.classes = points, classes
        self.setVisible(points is not None)  # only networks with one 1-D or 2-D input have a view here
        self.mean_line.setData([], [])
        self.model_band.show(None, None, None)
        self.noise_band.show(None, None, None)
        self.last_curve = None
        self.image.clear()
        self.last_image = None
        self.last_look = None
        self.toggles.setVisible(points is not None and points.train_x.shape[1] == 2)
        if points is None:
            self.train_points.clear()
            self.val_points.clear()
            return
        low, high = points.bounds
        if points.train_x.shape[1] == 1:
            self._set_function_points(points)
            return
        title = "Output over the input plane"
        self.plot.getPlotItem().setTitle(title, color=self.text_colour, size=title_size(10))
        self.plot.setAspectLocked(True)
        self.train_points.setData(pos=points.train_x, brush=self._brushes(points.train_y))
        self.val_points.setData(pos=points.val_x, brush=self._brushes(points.val_y))
        self.area = QRectF(low, low, high - low, high - low)
        self.plot.setRange(xRange=(low, high), yRange=(low, high), padding=0)

    def _set_function_points(self, points: Points) -> None:
        self.plot.getPlotItem().setTitle("Prediction over the input", color=self.text_colour, size=title_size(10))
        self.plot.setAspectLocked(False)
        train = np.column_stack([points.train_x[:, 0], points.train_y])
        val = np.column_stack([points.val_x[:, 0], points.val_y])
        self.train_points.setData(pos=train, brush=pg.mkBrush("#64748b"))
        self.val_points.setData(pos=val, brush=pg.mkBrush("#ea580c"))
        ys = np.concatenate([points.train_y, points.val_y])
        pad = 0.2 * (float(ys.max() - ys.min()) or 1.0)
        self.plot.setRange(xRange=points.bounds, yRange=(float(ys.min()) - pad, float(ys.max()) + pad), padding=0)

    def _brushes(self, labels: np.ndarray) -> list:
        if self.classes:
            return [pg.mkBrush(*class_colour(v)) for v in labels.astype(int)]
        limit = float(np.abs(labels).max()) or 1.0
        colours = diverging(labels.reshape(1, -1), limit)[0]
        return [pg.mkBrush(*c[:3].tolist()) for c in colours]

    def set_drawing(self, points: Points) -> None:
        """Points being drawn, shown at once (a run that loads them shows its own split of them)."""
        labels = points.train_y
        self.set_points(points, int(labels.max()) + 1 if len(labels) else 2)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        curve = CURVE.payload_in(snapshot.views)
        if self.points is not None and curve is not None:
            self._show_curve(curve)
            return
        self.last_look = snapshot.plane
        self._redraw()

    def show_unit(self, block_id: str | None, index: int = 0) -> None:
        """Draw one unit's output over the plane instead of the network's (None: the network's again)."""
        self.unit = (block_id, index) if block_id is not None else None
        self._redraw()

    def _redraw(self) -> None:
        look = self.last_look
        if self.points is None or look is None:
            return
        unit = self.unit
        if unit is not None and unit[0] in look.units and unit[1] < len(look.units[unit[0]]):
            values = look.units[unit[0]][unit[1]]
            rgba = diverging(values)
            self.plot.setToolTip(f"{unit[0]} unit {unit[1] + 1}: from {values.min():.3g} to {values.max():.3g}")
        else:
            scores = look.fine if look.fine is not None else look.units.get(look.output)
            if scores is None:
                return
            discrete = self.discretize.isChecked()
            if self.classes:
                rgba = class_regions(scores, binary=len(scores) == 1, discrete=discrete)
            else:
                rgba = diverging(np.sign(scores[0]) if discrete else scores[0])
            self.plot.setToolTip("")
        self.last_image = rgba
        self.image.setImage(rgba, levels=(0, 255), rect=self.area)  # the rect maps pixels once sizes are known
