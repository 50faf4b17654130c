"""Training curves: loss (training per step, validation per evaluation) and the task's second metric
(accuracy where it applies), against steps or epochs, with smoothing, log scale and faded earlier runs."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from playground.runtime.messages import Progress
from playground.ui.plain import Label
from playground.ui.plots.series import Series
from playground.ui.theme import Theme, title_size, ui_font
from playground.ui.timeline import Timeline

REDRAW_MS = 50  # at most 20 redraws a second
WIDE_LEGEND = 4  # a plot this many times wider than tall has its legend in one row
TRAIN, VAL = "#2563eb", "#ea580c"
MAX_OLD_RUNS = 6
ACRONYMS = {"elbo"}  # metric names written in capitals (three letters or fewer always are)
OLD_RUN_COLOURS = ("#94a3b8", "#a855f7", "#14b8a6", "#f59e0b", "#ec4899", "#84cc16")
MAX_SYMBOLS = 150  # evaluation points are marked while there are few of them


def fit_range(
    plot: pg.PlotWidget | pg.ViewBox, xs: list[np.ndarray], ys: list[np.ndarray], log_y: bool = False
) -> None:
    """Auto-range in steps: the view grows (or shrinks) only when the data leaves it or fills under half
    of it, so the axes, whose redrawing costs the most, change a few times a run instead of every frame."""
    xs = [x for x in xs if len(x)]
    ys = [y[np.isfinite(y) & ((y > 0) if log_y else True)] for y in ys if len(y)]
    ys = [y for y in ys if len(y)]
    if not xs or not ys:
        return
    view = plot if isinstance(plot, pg.ViewBox) else plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = view.viewRange()
    low_x, high_x = min(float(x.min()) for x in xs), max(float(x.max()) for x in xs)
    low_y, high_y = min(float(y.min()) for y in ys), max(float(y.max()) for y in ys)
    if log_y:
        low_y, high_y = np.log10(low_y), np.log10(high_y)
    if high_x > x1 or low_x < x0 or (high_x - low_x) < 0.5 * (x1 - x0):
        if high_x > low_x:
            span = high_x - low_x
            margin = 0.0 if low_x in (0.0, 1.0) else 0.15 * span  # step axes start at the origin
            view.setXRange(low_x - margin, high_x + 0.5 * span, padding=0)
        else:  # one point (the evaluation before any step): a unit of axis, not a sliver of 1e-9
            view.setXRange(low_x, low_x + max(abs(low_x), 1.0), padding=0)
    span_y = max(high_y - low_y, 1e-9)
    if high_y > y1 or low_y < y0 or span_y < 0.4 * (y1 - y0):
        if span_y <= 0.01 * abs(high_y) or span_y <= 1e-9:  # a flat line (one point): readable ticks
            pad = 0.02 * abs(high_y) or 1.0  # 2 % either side; around 0, a unit
            view.setYRange(low_y - pad, high_y + pad, padding=0)
        else:
            view.setYRange(low_y - 0.2 * span_y, high_y + 0.1 * span_y, padding=0)


def style_plot(plot: pg.PlotWidget, theme: Theme, title: str | None = None) -> None:
    """Colours from ``theme``; ``title`` None keeps the plot's title."""
    plot.setBackground(theme.canvas)
    item = plot.getPlotItem()
    item.setTitle(item.titleLabel.text if title is None else title, color=theme.text.name(), size=title_size(10))
    if item.legend is not None:
        item.legend.setLabelTextColor(theme.text.name())
        item.legend.setLabelTextSize(title_size(9))
        for _, label in item.legend.items:
            label.setText(label.text, color=theme.text.name(), size=title_size(9))  # applies on the next text
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen(theme.muted)
        item.getAxis(axis).setTextPen(theme.text)
        item.getAxis(axis).setStyle(tickFont=ui_font(9))  # at the UI scale
        # Axes are repainted with every curve update; cached, they redraw only when their range changes.
        item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.showGrid(x=True, y=True, alpha=0.15)


class CurvesView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("curves")
        self.theme = theme
        self.train = Series()
        self.val: dict[str, Series] = {}
        self.epoch_of_step = Series()  # step -> epoch, for the epoch axis
        self.metric_name = ""
        self.old_items: list[pg.PlotDataItem] = []
        self._old_runs = 0
        self._dirty = False
        self._drawn: dict[int, tuple] = {}  # id(item) -> what it shows

        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setObjectName("lossPlot")
        self.metric_plot = pg.PlotWidget()
        self.metric_plot.setObjectName("metricPlot")
        style_plot(self.loss_plot, theme, "Loss")
        style_plot(self.metric_plot, theme, "Accuracy")
        self.metric_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.metric_plot):
            plot.getPlotItem().getViewBox().disableAutoRange()
        self.loss_plot.addLegend(offset=(-8, 8), labelTextColor=theme.text.name())
        self.metric_plot.addLegend(offset=(-8, -8), labelTextColor=theme.text.name())  # accuracy rises: legend low
        self.train_item = self._curve(self.loss_plot, TRAIN, "training")
        self.val_item = self._curve(self.loss_plot, VAL, "validation", symbol=True)
        self.train_metric_item = self._curve(self.metric_plot, TRAIN, "training", symbol=True)
        self.val_metric_item = self._curve(self.metric_plot, VAL, "validation", symbol=True)

        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setObjectName("logScale")
        self.log_scale.toggled.connect(self._log_toggled)
        self.axis = QComboBox()
        self.axis.setObjectName("curveAxis")
        self.axis.addItems(["steps", "epochs"])
        self.axis.currentTextChanged.connect(self._redraw_all)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setObjectName("smoothing")
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing.setMaximumWidth(120)
        self.smoothing.setToolTip("Smoothing of the training loss (exponential moving average)")
        self.smoothing.valueChanged.connect(self._redraw_all)
        self.clear_button = QPushButton("Clear old runs")
        self.clear_button.setObjectName("clearRuns")
        self.clear_button.clicked.connect(self.clear_old_runs)

        self.controls = QWidget()  # put away in presentation mode
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(Label("x:"))
        row.addWidget(self.axis)
        row.addWidget(Label("Smoothing"))
        row.addWidget(self.smoothing)
        row.addWidget(self.log_scale)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        self.timeline = Timeline()
        self.timeline.shown.connect(self._show_cursor)
        self.plots = plots = QHBoxLayout()
        plots.addWidget(self.loss_plot, 3)
        plots.addWidget(self.metric_plot, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(plots, 1)
        layout.addWidget(self.timeline)  # under the curves; it lays itself out for its width
        layout.addWidget(self.controls)
        self.cursors = [pg.InfiniteLine(angle=90, movable=False) for _ in (self.loss_plot, self.metric_plot)]
        for plot, cursor in zip((self.loss_plot, self.metric_plot), self.cursors, strict=True):
            cursor.setZValue(10)
            cursor.hide()
            plot.addItem(cursor, ignoreBounds=True)
        self.branch_mark = pg.InfiniteLine(angle=90, movable=False, label="branch", labelOpts={"position": 0.9})
        self.branch_mark.hide()
        self.loss_plot.addItem(self.branch_mark, ignoreBounds=True)
        self._style_cursors()
        self.cursor_step: int | None = None
        self.branch_step: int | None = None

        self.redrawn_at = 0.0  # perf_counter() of the last redraw: other views paint between two
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._redraw)
        self.timer.start()

    def set_stacked(self, stacked: bool) -> None:
        """Loss over accuracy, as tall as each other (a narrow column), or side by side, the loss the wider."""
        direction = QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        self.plots.setDirection(direction)
        self.plots.setStretch(0, 1 if stacked else 3)
        self.plots.setStretch(1, 1 if stacked else 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A plot wider than it is tall lays its legend out in one row: two rows over a short plot
        (a 720-line screen) covered the top of the curves and cut off the first entry."""
        super().resizeEvent(event)
        for plot in (self.loss_plot, self.metric_plot):
            legend = plot.getPlotItem().legend
            columns = 3 if plot.width() > WIDE_LEGEND * plot.height() else 1
            if legend is not None and legend.columnCount != columns:
                legend.setColumnCount(columns)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for plot in (self.loss_plot, self.metric_plot):
            style_plot(plot, theme)
        self._style_cursors()

    def _style_cursors(self) -> None:
        for cursor in self.cursors:
            cursor.setPen(pg.mkPen(self.theme.text, width=2, style=Qt.PenStyle.DashLine))
        self.branch_mark.setPen(pg.mkPen(self.theme.muted, width=2, style=Qt.PenStyle.DotLine))
        self.branch_mark.label.setColor(self.theme.text)

    def mark_branch(self, step: int | None) -> None:
        """The step this run continued from (the run before it faded on the plot), or no mark."""
        self.branch_step = step
        self.branch_mark.setVisible(step is not None)
        if step is not None:
            self.branch_mark.setValue(float(self._x(np.array([step]))[0]))

    def _show_cursor(self, step: int | None) -> None:
        """The step the timeline shows, marked on both plots (nothing while live)."""
        self.cursor_step = step
        for cursor in self.cursors:
            cursor.setVisible(step is not None)
            if step is not None:
                cursor.setValue(float(self._x(np.array([step]))[0]))

    def _curve(self, plot: pg.PlotWidget, colour: str, name: str, symbol: bool = False) -> pg.PlotDataItem:
        item = plot.plot(
            pen=pg.mkPen(colour, width=2),
            name=name,
            symbol="o" if symbol else None,
            symbolSize=4,
            symbolBrush=colour,
            symbolPen=None,
        )
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        return item

    # --- data ------------------------------------------------------------------------------
    def add(self, progress: Progress) -> None:
        if len(progress.steps):
            self.train.extend(progress.steps, progress.losses)
        self.epoch_of_step.extend(np.array([progress.step]), np.array([progress.epoch]))
        for evaluation in progress.evaluations:
            step = evaluation["step"]
            for name, value in evaluation.items():
                if name in ("step", "epoch"):
                    continue
                self.val.setdefault(name, Series()).extend(np.array([step]), np.array([value]))
        if not self.metric_name:
            self.metric_name = next((n.split("_", 1)[1] for n in self.val if not n.endswith("_loss")), "")
            if self.metric_name:
                self.metric_plot.getPlotItem().setTitle(
                    self.metric_name.upper()
                    if len(self.metric_name) <= 3 or self.metric_name in ACRONYMS
                    else self.metric_name.replace("_", " ").capitalize(),
                    color=self.theme.text.name(),
                    size=title_size(10),
                )
        if progress.evaluations:  # name only the series this task reports (a GAN: no training metric)
            self._in_legend(self.loss_plot, self.val_item, "validation", "val_loss" in self.val)
            self._in_legend(
                self.metric_plot, self.train_metric_item, "training", f"train_{self.metric_name}" in self.val
            )
        self._dirty = True

    @staticmethod
    def _in_legend(plot: pg.PlotWidget, item: pg.PlotDataItem, name: str, shown: bool) -> None:
        legend = plot.getPlotItem().legend
        listed = any(sample.item is item for sample, _ in legend.items)
        if shown and not listed:
            legend.addItem(item, name)
        elif listed and not shown:
            legend.removeItem(item)

    def new_run(self, label: str = "") -> None:
        """Keep the current training-loss curve as a thinner line in its own colour, named ``label`` in
        the legend (e.g. its optimiser: runs compared side by side), and start empty curves."""
        if len(self.train):
            x = self._x(self.train.x)
            colour = OLD_RUN_COLOURS[self._old_runs % len(OLD_RUN_COLOURS)]
            self._old_runs += 1
            old = self.loss_plot.plot(
                x, self.train.smoothed(self._weight()), pen=pg.mkPen(colour, width=1.5), name=label or None
            )
            old.setOpacity(0.7)
            old.setDownsampling(auto=True, method="peak")
            self.old_items.append(old)
            while len(self.old_items) > MAX_OLD_RUNS:
                self.loss_plot.removeItem(self.old_items.pop(0))
        self.train, self.val, self.epoch_of_step = Series(), {}, Series()
        self.metric_name = ""
        self.branch_step = None
        style_plot(self.metric_plot, self.theme, "Metric")  # the next run's task names its own
        self._redraw_all()

    def clear_old_runs(self) -> None:
        for item in self.old_items:
            self.loss_plot.removeItem(item)
        self.old_items = []
        self._old_runs = 0

    # --- drawing --------------------------------------------------------------------------
    def _weight(self) -> float:
        return self.smoothing.value() / 100

    def _x(self, steps: np.ndarray) -> np.ndarray:
        if self.axis.currentText() == "steps" or len(self.epoch_of_step) < 2:
            return steps
        return np.interp(steps, self.epoch_of_step.x, self.epoch_of_step.y)

    def _log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.getPlotItem().getViewBox().setYRange(0, 1)  # forces the next fit
        self._redraw_all()

    def _redraw_all(self) -> None:
        self._show_cursor(self.cursor_step)  # steps or epochs
        self.mark_branch(self.branch_step)
        self._drawn.clear()
        self._dirty = True
        self._redraw()

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redrawn_at = time.perf_counter()
        for plot, lines in (
            (self.loss_plot, ((self.train_item, self.train, True), (self.val_item, self.val.get("val_loss"), False))),
            (
                self.metric_plot,
                (
                    (self.train_metric_item, self.val.get(f"train_{self.metric_name}"), False),
                    (self.val_metric_item, self.val.get(f"val_{self.metric_name}"), False),
                ),
            ),
        ):
            changed = [self._draw(item, series, smooth) for item, series, smooth in lines]
            if any(changed):
                data = [item.getOriginalDataset() for item, _, _ in lines]
                xs = [x for x, _ in data if x is not None]
                ys = [y for _, y in data if y is not None]
                fit_range(plot, xs, ys, log_y=plot is self.loss_plot and self.log_scale.isChecked())

    def _draw(self, item: pg.PlotDataItem, series: Series | None, smooth: bool) -> bool:
        """Give ``item`` the series' points if they changed since it was last drawn (a plot whose
        lines did not change is not repainted)."""
        key = (id(series), len(series) if series is not None else 0, series.stride if series is not None else 0)
        if self._drawn.get(id(item)) == key:
            return False
        self._drawn[id(item)] = key
        if series is None or not len(series):
            item.setData([], [])
        else:
            y = series.smoothed(self._weight()) if smooth else series.y
            item.setData(self._x(series.x), y)
            if not smooth:
                item.setSymbol("o" if len(series) <= MAX_SYMBOLS else None)
        return True

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The training-loss points drawn now (for tests and picture export)."""
        x, y = self.train_item.getData()
        return (np.empty(0), np.empty(0)) if x is None else (x, y)
