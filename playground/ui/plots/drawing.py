"""Drawing your own data on the input plane (the ``drawn`` dataset): pick a class, click or drag to add
points, right-click to remove the nearest one, Clear. A stroke is one edit (undoable) when the button
is released; the points show at once, before any run has loaded them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from playground.core.drawn import BOUNDS
from playground.runtime.messages import Points
from playground.ui.plain import Label

HINT = "click or drag inside the dashed square to add, right-click to remove"
CLASSES = ("orange", "blue", "green", "red")
SPACING = 0.06  # between two points of one stroke, in data units
REMOVE_WITHIN = 0.12


def drawn_points(rows: list) -> Points:
    """Drawn ``[x, y, class]`` rows as the plane's points (all of them training points)."""
    array = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    empty = np.zeros((0, 2))
    return Points(array[:, :2], array[:, 2], empty, np.zeros(0), BOUNDS)


class Drawing(QObject):
    """The draw bar under the input plane's plot and the mouse on it, while the dataset is ``drawn``:
    ``show`` draws the points as they are drawn, ``edited`` gets the rows a stroke made."""

    def __init__(self, plot: pg.PlotWidget, show: Callable[[Points], None], edited: Callable[[list], None]) -> None:
        super().__init__(plot)
        self.plot, self.show = plot, show
        self.edited = edited
        self.rows: list[list] = []
        self.stroke: list[list] | None = None
        self.bar = QWidget()
        self.bar.setObjectName("drawBar")
        self.label = Label("Draw:")
        self.klass = QComboBox()
        self.klass.setObjectName("drawClass")
        for i, name in enumerate(CLASSES):
            self.klass.addItem(f"class {i} ({name})", i)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearDrawing")
        self.clear_button.setToolTip("Remove every drawn point")
        self.clear_button.clicked.connect(lambda: self.edited([]))
        self.hint = hint = Label(HINT)
        hint.setObjectName("drawHint")
        low, high = BOUNDS
        self.area = pg.PlotDataItem(  # where points can be drawn: the plane a drawing is made on
            [low, high, high, low, low],
            [low, low, high, high, low],
            pen=pg.mkPen("#64748b", width=1.5, style=Qt.PenStyle.DashLine),
        )
        self.area.setZValue(5)
        self.area.hide()
        plot.addItem(self.area)
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(4, 0, 4, 0)
        for widget in (self.label, self.klass, self.clear_button, hint):
            row.addWidget(widget)
        row.addStretch(1)
        self.bar.hide()
        plot.viewport().installEventFilter(self)

    @property
    def active(self) -> bool:
        return self.bar.isVisible()

    def show_rows(self, rows: list | None) -> None:
        """The project's drawn points (None: the dataset is not a drawing)."""
        self.bar.setVisible(rows is not None)
        self.area.setVisible(rows is not None)
        self.rows = list(rows or [])
        if rows is not None:
            self.show(drawn_points(self.rows))

    def where(self, event: QMouseEvent) -> QPointF:
        plot = self.plot
        return plot.getPlotItem().getViewBox().mapSceneToView(plot.mapToScene(event.position().toPoint()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.active
            or not isinstance(event, QMouseEvent)
            or event.type()
            not in (
                QEvent.Type.MouseButtonPress,
                QEvent.Type.MouseMove,
                QEvent.Type.MouseButtonRelease,
            )
        ):
            return False
        point = self.where(event)
        x, y = point.x(), point.y()
        low, high = BOUNDS
        inside = low <= x <= high and low <= y <= high
        if event.type() == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.RightButton:
            self._remove_near(x, y)
        elif event.type() == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            if not inside:  # said, not silently dropped
                self.hint.setText(f"outside the dashed square: draw from {low:g} to {high:g} on both axes")
                return True
            self.hint.setText(HINT)
            self.stroke = [[x, y, self.klass.currentData()]]
            self._show_stroke()
        elif event.type() == QEvent.Type.MouseMove and self.stroke is not None and inside:
            last = self.stroke[-1]
            if np.hypot(x - last[0], y - last[1]) >= SPACING:
                self.stroke.append([x, y, self.klass.currentData()])
                self._show_stroke()
        elif event.type() == QEvent.Type.MouseButtonRelease and self.stroke is not None:
            stroke, self.stroke = self.stroke, None
            self.edited(self.rows + [[round(px, 4), round(py, 4), k] for px, py, k in stroke])
        else:
            return False
        return True

    def _show_stroke(self) -> None:
        self.show(drawn_points(self.rows + (self.stroke or [])))

    def _remove_near(self, x: float, y: float) -> None:
        if not self.rows:
            return
        array = np.asarray(self.rows)[:, :2]
        distances = np.hypot(array[:, 0] - x, array[:, 1] - y)
        nearest = int(distances.argmin())
        if distances[nearest] <= REMOVE_WITHIN:
            self.edited(self.rows[:nearest] + self.rows[nearest + 1 :])
