"""The neuron view, in the spirit of TensorFlow Playground: for a network with a 2-D input, every unit's
output over the input plane drawn large, laid out by layer (the input's two coordinates, each
activation, the output), with the weights between layers as lines whose colour is their sign (blue
positive, orange negative) and whose thickness is their size. Hovering a unit shows it over the big
input plane (``hovered``) with its value range in the tooltip."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.core.graph import Graph
from playground.core.registry import get_spec
from playground.runtime.messages import Snapshot
from playground.ui.plots.colors import NEGATIVE, POSITIVE, unit_images
from playground.ui.theme import Theme, ui_font

LARGEST_UNIT = 120.0
GAP = 0.18  # of a unit's size, between two units of a column
MARGIN = 10.0
COLUMN_SPACING = 1.5  # a column's width, in units: the picture and the weights' lines to the next


@dataclass(frozen=True)
class Layer:
    block: str
    weights: str | None  # the Linear block whose weights lead here from the layer before, if one does


def layers(graph: Graph, units: dict[str, np.ndarray], weights: dict[str, np.ndarray], output: str) -> list[Layer]:
    """The columns TensorFlow Playground draws: the Input, every activation with a picture per unit,
    and the block the output reads; each with the Linear between it and the column before."""
    chosen = []
    for block_id in graph.topological_order():
        block = graph.blocks[block_id]
        spec = get_spec(block.type)
        activation = spec is not None and spec.category == "Activation"
        if block_id in units and (block.type == "input" or block_id == output or activation):
            chosen.append(block_id)
    found = []
    for i, block_id in enumerate(chosen):
        found.append(Layer(block_id, _linear_between(graph, chosen[i - 1], block_id, weights) if i else None))
    return found


def _linear_between(graph: Graph, before: str, block_id: str, weights: dict[str, np.ndarray]) -> str | None:
    """The one Linear on the chain of first inputs from ``block_id`` back to ``before``, if there is one."""
    linear, current = None, block_id
    while current != before:
        link = graph.link_into(current, 0)
        if link is None:
            return None
        current = link.src
        if graph.blocks[current].type == "linear":
            if linear is not None:
                return None
            linear = current
    return linear if linear in weights else None


class NeuronView(QWidget):
    hovered = Signal(object, int)  # block id (None: left the units) and unit index

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("neuronView")
        self.setMouseTracking(True)
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.theme = theme
        self.graph: Graph | None = None
        self.layers: list[Layer] = []
        self.images: dict[str, list[QImage]] = {}
        self.ranges: dict[str, list[tuple[float, float]]] = {}
        self.weights: dict[str, np.ndarray] = {}
        self.boxes: list[tuple[QRectF, str, int]] = []  # where each unit is drawn
        self.under: tuple[str, int] | None = None
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def set_graph(self, graph: Graph | None) -> None:
        self.graph = graph
        self.layers = []

    def clear(self) -> None:
        self.layers, self.images, self.boxes = [], {}, []
        self.hide()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        look = snapshot.plane
        if self.graph is None or not look.units:
            return
        self.layers = layers(self.graph, look.units, look.weights, look.output)
        shown = {layer.block: look.units[layer.block] for layer in self.layers}
        self.images = unit_images(shown)
        self.ranges = {block: [(float(u.min()), float(u.max())) for u in units] for block, units in shown.items()}
        self.weights = look.weights
        self.setVisible(len(self.layers) >= 2)
        self.update()

    # --- drawing ---------------------------------------------------------------------------------
    def unit_size(self) -> float:
        """The side of one unit's picture: as large as the tallest column and the columns' count allow."""
        if not self.layers:
            return 0.0
        tallest = max(len(self.images.get(layer.block, [])) for layer in self.layers) or 1
        title = self.fontMetrics().height() + 6
        by_height = (self.height() - 2 * MARGIN - title) / (tallest + (tallest - 1) * GAP)
        by_width = (self.width() - 2 * MARGIN) / (len(self.layers) * COLUMN_SPACING)
        return max(8.0, min(LARGEST_UNIT, by_height, by_width))

    def _place(self) -> dict[str, list[QRectF]]:
        size = self.unit_size()
        columns = len(self.layers)
        step = (self.width() - 2 * MARGIN - size) / max(columns - 1, 1)
        title = self.fontMetrics().height() + 6
        places: dict[str, list[QRectF]] = {}
        for i, layer in enumerate(self.layers):
            count = len(self.images.get(layer.block, []))
            height = count * size + (count - 1) * GAP * size
            top = title + MARGIN + (self.height() - title - 2 * MARGIN - height) / 2
            x = MARGIN + i * step
            places[layer.block] = [QRectF(x, top + j * size * (1 + GAP), size, size) for j in range(count)]
        return places

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self.theme.canvas)
        places = self._place()
        painter.setPen(self.theme.text)
        painter.setFont(ui_font(10, bold=True))
        painter.drawText(
            QRectF(0, 2, self.width(), self.fontMetrics().height() + 6), Qt.AlignmentFlag.AlignHCenter, "Neurons"
        )
        for before, layer in zip(self.layers, self.layers[1:], strict=False):
            self._draw_weights(painter, places[before.block], places[layer.block], layer.weights)
        self.boxes = []
        for layer in self.layers:
            for j, (rect, image) in enumerate(zip(places[layer.block], self.images.get(layer.block, []), strict=True)):
                painter.drawImage(rect, image)
                hovered = self.under == (layer.block, j)
                painter.setPen(QPen(self.theme.selection if hovered else self.theme.block_border, 3 if hovered else 1))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect)
                self.boxes.append((rect, layer.block, j))
        painter.end()

    def _draw_weights(
        self, painter: QPainter, sources: list[QRectF], targets: list[QRectF], linear: str | None
    ) -> None:
        matrix = self.weights.get(linear) if linear else None
        if matrix is None or matrix.shape != (len(targets), len(sources)):
            return
        largest = float(np.abs(matrix).max()) or 1.0
        for j, target in enumerate(targets):
            for i, source in enumerate(sources):
                w = float(matrix[j, i])
                r, g, b = (int(c) for c in (POSITIVE if w > 0 else NEGATIVE))
                colour = QColor(r, g, b, 200)
                painter.setPen(QPen(colour, 0.4 + 5.0 * abs(w) / largest))
                start = QPointF(source.right(), source.center().y())
                painter.drawLine(start, QPointF(target.left(), target.center().y()))

    # --- hovering ------------------------------------------------------------------------------------
    def unit_at(self, point: QPointF) -> tuple[str, int] | None:
        return next(((block, j) for rect, block, j in self.boxes if rect.contains(point)), None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        under = self.unit_at(event.position())
        if under != self.under:
            self.under = under
            self.hovered.emit(*(under if under else (None, -1)))
            self.update()
        if under is not None:
            low, high = self.ranges[under[0]][under[1]]
            text = f"{under[0]}, unit {under[1] + 1}: from {low:.3g} to {high:.3g}"
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self.under is not None:
            self.under = None
            self.hovered.emit(None, -1)
            self.update()
        super().leaveEvent(event)
