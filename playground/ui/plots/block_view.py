"""The selected block while it trains: activation, weight and gradient histograms, its gradient norm
over time, and, where they exist, feature maps and filters (conv), the attention map (attention) or
the confusion matrix (the Output of a classifier)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from playground.runtime.messages import BlockDetail, Stats
from playground.ui.plain import Label
from playground.ui.plots.colors import diverging, sequential
from playground.ui.plots.curves import TRAIN, VAL, fit_range, style_plot
from playground.ui.theme import Theme, title_size

GRAD_NORM_HISTORY = 2000
PLOT_HEIGHT = 130
IMAGE_HEIGHT = 240


def mosaic(images: np.ndarray, gap: int = 1) -> np.ndarray:
    """(count, H, W) -> one (rows*H, cols*W) image, NaN in the gaps."""
    count, height, width = images.shape
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    out = np.full((rows * (height + gap) - gap, cols * (width + gap) - gap), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (height + gap) : r * (height + gap) + height, c * (width + gap) : c * (width + gap) + width] = image
    return out


class WheelScrollsPanel(QObject):
    """The mouse wheel over a plot in a scrolling panel scrolls the panel; with Ctrl held it zooms the plot."""

    def __init__(self, area: QScrollArea, zoomed: Callable[[QObject], None]) -> None:
        super().__init__(area)
        self.area, self.zoomed = area, zoomed

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QWheelEvent):
            return False
        plot = watched.parent()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and plot is not None:
            self.zoomed(plot)  # the plot zooms (along x) and keeps that view from now on
            return False
        QApplication.sendEvent(self.area.verticalScrollBar(), event)
        return True


class BlockLiveView(QWidget):
    cell_clicked = Signal(int, int)  # (true class, predicted class): a confusion-matrix cell clicked

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("blockLive")
        self.theme = theme
        self.block: str | None = None
        self.norms: dict[str, list[tuple[int, float]]] = {}
        self.activation_plot = self._plot("Activations")
        self.weight_plot = self._plot("Weights")
        self.gradient_plot = self._plot("Weight gradients")
        self.activation_item = self._hist_item(self.activation_plot, "#64748b")
        self.weight_item = self._hist_item(self.weight_plot, TRAIN)
        self.gradient_item = self._hist_item(self.gradient_plot, VAL)
        self.norm_plot = self._plot("Gradient norm over steps")
        self.norm_plot.setLogMode(y=True)
        self.norm_item = self.norm_plot.plot(pen=pg.mkPen(VAL, width=2))
        self.image_plot, self.image = self._image_plot()
        self.confusion: tuple[int, int] | None = None  # the confusion matrix's size, while it is shown
        self.cells_open = False  # its cells open their images (the run's examples are pictures)
        self.image_plot.scene().sigMouseClicked.connect(self._clicked)
        self.filter_plot, self.filter_image = self._image_plot()
        self.example = QSpinBox()
        self.example.setObjectName("featureExample")
        self.example.setRange(0, 63)
        self.example.setToolTip("Which validation example the feature maps are for")
        self.example_row = QWidget()
        row = QHBoxLayout(self.example_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(Label("Example"))
        row.addWidget(self.example)
        row.addStretch(1)
        self.summary = Label()
        self.summary.setObjectName("blockLiveSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        for widget in (
            self.summary,
            self.activation_plot,
            self.weight_plot,
            self.gradient_plot,
            self.norm_plot,
            self.example_row,
            self.image_plot,
            self.filter_plot,
        ):
            layout.addWidget(widget)
        self.image_views: list[tuple[str, np.ndarray]] = []
        self.wheel: WheelScrollsPanel | None = None
        self.zoomed: set[int] = set()  # ids of the plots a user zoomed: no longer fitted to the data
        self.clear()

    def scroll_with(self, area: QScrollArea) -> None:
        """The panel this view scrolls in: the wheel over a plot scrolls it (Ctrl + wheel zooms the plot)."""
        self.wheel = WheelScrollsPanel(area, self._zoomed)
        for plot in self.findChildren(pg.PlotWidget):
            plot.viewport().installEventFilter(self.wheel)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for plot in (
            self.activation_plot,
            self.weight_plot,
            self.gradient_plot,
            self.norm_plot,
            self.image_plot,
            self.filter_plot,
        ):
            style_plot(plot, theme)

    def _image_plot(self) -> tuple[pg.PlotWidget, pg.ImageItem]:
        plot = self._plot("")
        plot.setAspectLocked(True)
        plot.setFixedHeight(IMAGE_HEIGHT)
        plot.invertY(True)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(image)
        plot.hide()
        return plot, image

    def _plot(self, title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        style_plot(plot, self.theme, title)
        plot.setFixedHeight(PLOT_HEIGHT)
        plot.setMouseEnabled(True, False)  # Ctrl + wheel zooms along x (the wheel alone scrolls the panel)
        plot.getPlotItem().getViewBox().disableAutoRange()
        return plot

    @staticmethod
    def _hist_item(plot: pg.PlotWidget, colour: str) -> pg.PlotDataItem:
        plot.hideAxis("left")
        brush = pg.mkColor(colour)
        brush.setAlpha(90)
        return plot.plot(stepMode="center", fillLevel=0, brush=brush, pen=pg.mkPen(colour, width=1.5))

    def clear(self) -> None:
        self.norms = {}
        for item in (self.activation_item, self.weight_item, self.gradient_item, self.norm_item):
            item.setData([], [])
        self.image.clear()
        self.image_plot.hide()
        self.filter_plot.hide()
        self.example_row.hide()
        self.summary.setText("Press Play to see this block's activations and gradients live.")

    def show_block(self, block_id: str | None) -> None:
        self.block = block_id
        self.zoomed = set()  # another block: its plots fit its data
        for item in (self.activation_item, self.weight_item, self.gradient_item):
            item.setData([], [])
        self.image_plot.hide()
        self.filter_plot.hide()
        self._draw_norms()
        self.setVisible(block_id is not None)

    def add_norms(self, step: int, norms: dict[str, float]) -> None:
        for block, value in norms.items():
            history = self.norms.setdefault(block, [])
            history.append((step, max(value, 1e-12)))
            if len(history) > GRAD_NORM_HISTORY:
                del history[: len(history) // 2 : 2]  # thin the older half
        self._draw_norms()

    def _draw_norms(self) -> None:
        history = self.norms.get(self.block or "", [])
        self.norm_plot.setVisible(bool(history))
        if history:
            steps, values = zip(*history, strict=True)
            x, y = np.array(steps, dtype=float), np.array(values)
            self.norm_item.setData(x, y)
            if id(self.norm_plot) not in self.zoomed:
                fit_range(self.norm_plot, [x], [y], log_y=True)

    def show_detail(self, detail: BlockDetail) -> None:
        if detail.block != self.block:
            return
        self._set_hist(self.activation_plot, self.activation_item, detail.activation)
        weights = detail.weights.get("weight") or next(iter(detail.weights.values()), None)
        self._set_hist(self.weight_plot, self.weight_item, weights)
        gradient = detail.gradients.get("weight") or next(iter(detail.gradients.values()), None)
        self._set_hist(self.gradient_plot, self.gradient_item, gradient)
        self.activation_plot.setVisible(detail.activation is not None)
        self.weight_plot.setVisible(bool(detail.weights))
        self.gradient_plot.setVisible(gradient is not None)
        parts = []
        if detail.activation is not None:
            parts.append(f"activations mean {detail.activation.mean:.3g}, std {detail.activation.std:.3g}")
        if gradient is not None:
            parts.append(f"gradient norm {gradient.norm:.3g} (after clipping, if on)")
        self.summary.setText("; ".join(parts) or "This block has no activations to show.")
        self._show_image(detail)

    def _zoomed(self, plot: QObject) -> None:
        self.zoomed.add(id(plot))

    def _set_hist(self, plot: pg.PlotWidget, item: pg.PlotDataItem, stats: Stats | None) -> None:
        if stats is None:
            item.setData([], [])
            return
        peak = float(stats.counts.max()) or 1.0
        item.setData(stats.edges, stats.counts / peak)
        if id(plot) not in self.zoomed:
            fit_range(item.getViewBox(), [stats.edges], [np.array([0.0, 1.0])])

    def _clicked(self, event: MouseClickEvent) -> None:
        """A click on a cell of the confusion matrix asks for its images."""
        if self.confusion is None or not self.cells_open or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.image_plot.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        row, column = math.floor(point.y()), math.floor(point.x())
        if 0 <= row < self.confusion[0] and 0 <= column < self.confusion[1]:
            self.cell_clicked.emit(row, column)

    def _show_image(self, detail: BlockDetail) -> None:
        self.confusion = detail.confusion.shape if detail.confusion is not None else None
        opens = self.confusion is not None and self.cells_open
        self.image_plot.setToolTip("Click a cell to see the validation images behind it" if opens else "")
        title, rgba = main_picture(detail, self.example.value())
        self.example_row.setVisible(detail.feature_maps is not None)
        self._put(self.image_plot, self.image, title, rgba)
        filters = mosaic_rgba(detail.filters) if detail.filters is not None else None
        self._put(self.filter_plot, self.filter_image, "Filters (first input channel)", filters)

    def _put(self, plot: pg.PlotWidget, image: pg.ImageItem, title: str, rgba: np.ndarray | None) -> None:
        plot.setVisible(rgba is not None)
        if rgba is not None:
            plot.getPlotItem().setTitle(title, color=self.theme.text.name(), size=title_size(9))
            image.setImage(rgba, levels=(0, 255), rect=QRectF(0, 0, rgba.shape[1], rgba.shape[0]))
            plot.getPlotItem().getViewBox().autoRange(padding=0.02)


def main_picture(detail: BlockDetail, example: int) -> tuple[str, np.ndarray | None]:
    """A block's picture and its title: the confusion matrix (an Output), the attention map, or the
    feature maps of one example (a convolution); ("", None) for a block with none."""
    if detail.confusion is not None:
        return "Confusion (rows: true, columns: predicted)", sequential(np.log1p(detail.confusion))
    if detail.attention is not None:
        return "Attention (rows: query, columns: key)", sequential(detail.attention)
    if detail.feature_maps is not None:
        return f"Feature maps, example {example}", mosaic_rgba(detail.feature_maps)
    return "", None


def mosaic_rgba(stack: np.ndarray) -> np.ndarray:
    tiles = np.stack([tile / (np.abs(tile).max() or 1.0) for tile in stack])
    image = mosaic(tiles)
    rgba = diverging(np.nan_to_num(image), 1.0)
    rgba[np.isnan(image)] = (0, 0, 0, 0)
    return rgba
