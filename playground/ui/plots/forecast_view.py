"""Forecasting: a few validation windows, the value that came next, and the network's forecast of it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.runtime.messages import Forecast
from playground.ui.plain import Label
from playground.ui.plots.curves import TRAIN, VAL
from playground.ui.theme import Theme, title_size

PANELS = 4


class ForecastView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("forecastView")
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.plots: list[pg.PlotItem] = []
        self.windows: list[pg.PlotDataItem] = []
        self.truths: list[pg.ScatterPlotItem] = []
        self.forecasts: list[pg.ScatterPlotItem] = []
        for i in range(PANELS):
            plot = self.layout_widget.addPlot(row=i // 2, col=i % 2)
            plot.hideAxis("bottom")
            plot.setMouseEnabled(False, False)
            self.plots.append(plot)
            self.windows.append(plot.plot(pen=pg.mkPen("#64748b", width=2)))
            truth = pg.ScatterPlotItem(size=11, pen=pg.mkPen(TRAIN, width=2), brush=pg.mkBrush(0, 0, 0, 0))
            forecast = pg.ScatterPlotItem(size=10, symbol="d", pen=None, brush=pg.mkBrush(VAL))
            plot.addItem(truth)
            plot.addItem(forecast)
            self.truths.append(truth)
            self.forecasts.append(forecast)
        self.key = Label("Forecasting the next value: the window (grey), what came next (○), the forecast (◆)")
        self.key.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.key)
        layout.addWidget(self.layout_widget, 1)
        self.last: Forecast | None = None
        self.set_theme(theme)
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.layout_widget.setBackground(theme.canvas)
        self.theme = theme
        for i, plot in enumerate(self.plots):
            plot.setTitle(f"example {i}", color=theme.text.name(), size=title_size(9))
            plot.getAxis("left").setTextPen(theme.text)

    def clear(self) -> None:
        self.last = None
        for items in (self.windows, self.truths, self.forecasts):
            for item in items:
                item.setData([], [])

    def show_payload(self, forecast: Forecast) -> None:
        self.last = forecast
        windows, truth, predicted = forecast.windows, forecast.truth, forecast.predicted
        steps = windows.shape[1]
        for i in range(min(PANELS, len(windows))):
            self.windows[i].setData(np.arange(steps), windows[i])
            self.truths[i].setData([steps], [truth[i]])
            self.forecasts[i].setData([steps], [predicted[i]])
