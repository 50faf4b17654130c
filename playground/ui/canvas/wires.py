"""Wires as graphics items: a curve from an output port to an input port, labelled with the shape it
carries (the label is left to the tooltip where it would cover a port), coloured by gradient flow."""

from __future__ import annotations

import functools
import itertools
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from playground.core.graph import Link
from playground.ui.canvas.items import PORT_RADIUS, SKETCH_BELOW, level_of_detail
from playground.ui.theme import FLOW, Theme, canvas_font, mix


class WireItem(QGraphicsPathItem):
    """A wire from an output port to an input port, labelled with the tensor shape it carries."""

    def __init__(self, link: Link, theme: Theme) -> None:
        super().__init__()
        self.link = link
        self.theme = theme
        self.label = ""
        self.start = QPointF()
        self.end = QPointF()
        self.label_rect = QRectF()
        self.bounds = QRectF()
        self.flow: float | None = None  # 0..1: how much gradient flows back along this wire
        self.setZValue(0)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        if (start, end) == (self.start, self.end) and not self.path().isEmpty():
            return
        self.start, self.end = start, end
        self.prepareGeometryChange()
        self.setPath(wire_path(start, end))
        self._measure()

    def set_label(self, text: str) -> None:
        if text == self.label and self.toolTip():
            return
        self.label = text
        self.setToolTip(f"{self.link.src} → {self.link.dst}: {text or 'shape unknown'}")
        if not self.path().isEmpty():  # else measured when its ends are set
            self.prepareGeometryChange()
            self._measure()
            self.update()

    def set_flow(self, flow: float | None) -> None:
        if flow != self.flow:
            self.flow = flow
            self.update()

    def _measure(self) -> None:
        """Place the label at the middle of the curve; computed once per change, not per paint."""
        self.label_rect = QRectF()
        if self.label:
            width = _label_width(self.label) + 12
            mid = self.path().pointAtPercent(0.5)
            rect = QRectF(mid.x() - width / 2, mid.y() - 10, width, 20)
            clear = PORT_RADIUS + 2  # a label never covers a port: where it would, the tooltip shows it
            ends = [QRectF(p.x() - clear, p.y() - clear, 2 * clear, 2 * clear) for p in (self.start, self.end)]
            if not any(rect.intersects(end) for end in ends):
                self.label_rect = rect
        self.bounds = self.path().boundingRect().united(self.label_rect).adjusted(-8, -8, 8, 8)  # room for a thick wire

    def boundingRect(self) -> QRectF:
        return self.bounds

    def shape(self) -> QPainterPath:
        """A wide band around the curve, so a wire is easy to click."""
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        if self.flow is not None and not selected:
            t = self.flow
            pen = QPen(mix(self.theme.wire, FLOW, t), 1.0 + 7.0 * t)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
        else:
            painter.setPen(QPen(self.theme.selection if selected else self.theme.wire, 3 if selected else 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        if not self.label_rect.isEmpty() and level_of_detail(painter) >= SKETCH_BELOW:
            rect = self.label_rect
            painter.setPen(QPen(self.theme.block_border, 1))
            painter.setBrush(self.theme.label_background)
            painter.drawRoundedRect(rect, 6, 6)
            painter.setPen(self.theme.text)
            painter.setFont(canvas_font(9))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.label)


@functools.lru_cache(maxsize=4096)
def _label_width(text: str) -> float:
    return QFontMetricsF(canvas_font(9)).horizontalAdvance(text)


WIRE_STUB = 24.0  # a wire leaves an output port and enters an input port straight for this long
WIRE_CORNER = 16.0
ROW_CLEARANCE = 70.0  # a return wire between blocks of one row passes this far below their ports


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A smooth S from an output port to an input port on its right. A wire back to the left (the
    return from the end of a wrapped row to the start of the next) runs out to the right, along the
    gap between the rows and into its port from the left, with rounded corners, instead of
    cutting diagonally across the blocks."""
    path = QPainterPath(start)
    if end.x() >= start.x() - 2 * WIRE_STUB:
        bend = max(40.0, abs(end.x() - start.x()) * 0.5)
        path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end)
        return path
    rows_apart = abs(end.y() - start.y()) > 2 * ROW_CLEARANCE
    gap = (start.y() + end.y()) / 2 if rows_apart else max(start.y(), end.y()) + ROW_CLEARANCE
    out_x, in_x = start.x() + WIRE_STUB, end.x() - WIRE_STUB
    corners = [QPointF(out_x, start.y()), QPointF(out_x, gap), QPointF(in_x, gap), QPointF(in_x, end.y()), end]
    previous = start
    for corner, following in itertools.pairwise(corners):
        into = _towards(corner, previous)
        path.lineTo(into)
        path.quadTo(corner, _towards(corner, following))
        previous = corner
    path.lineTo(end)
    return path


def _towards(corner: QPointF, other: QPointF) -> QPointF:
    """The point on the way from ``corner`` to ``other`` where a rounded corner starts or ends."""
    dx, dy = other.x() - corner.x(), other.y() - corner.y()
    length = math.hypot(dx, dy)
    if length == 0:
        return QPointF(corner)
    step = min(WIRE_CORNER, length / 2) / length
    return QPointF(corner.x() + dx * step, corner.y() + dy * step)
