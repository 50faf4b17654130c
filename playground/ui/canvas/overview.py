"""A large level seen zoomed out: every block and wire drawn by one item, in a few painter calls.

Below the zoom where block text is unreadable (SKETCH_BELOW), each of thousands of items costs Qt and
Python a call on every frame, and a port is a dot too small to aim at. For a level of more than
OVERVIEW_BLOCKS blocks the scene hands the drawing to this item there: the blocks as rectangles with
their category's header, the wires as one path (by shades of their gradient flow while it is shown),
the selection and the problems. The block items stay,
marked as having no contents (Qt skips painting them), so they are clicked, selected, dragged and opened
as ever; wires and ports are hidden. It is drawn afresh after each change.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyleOptionGraphicsItem, QWidget

from playground.ui.canvas.items import HEADER, SKETCH_BELOW, WIDTH, BlockItem
from playground.ui.theme import FLOW, PROBLEM, Theme, category_colour, mix

OVERVIEW_BLOCKS = 200  # a level with more blocks than this is drawn by the overview when zoomed out
NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
FLOW_STEPS = 8  # gradient flow drawn in this many shades


class Overview(QGraphicsItem):
    """Draws what ``blocks`` and ``wires`` would, while ``active``."""

    def __init__(self, scene: QGraphicsScene, blocks: dict[str, BlockItem], wires: dict, theme: Theme) -> None:
        """``blocks`` and ``wires``: the scene's own dictionaries of its items, kept up to date by it. The
        overview is in the scene only while it draws."""
        super().__init__()
        self.canvas, self.blocks, self.wires, self.theme = scene, blocks, wires, theme
        self.active = False
        self.pending = False
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.path = QPainterPath()  # the wires
        self.flows: dict[int, QPainterPath] = {}  # the wires coloured by gradient flow, by eighths
        self._bounds = QRectF()
        self._bodies = QPainterPath()
        self._headers: dict[str, QPainterPath] = {}
        self._selected = QPainterPath()
        self._problems: list[QPointF] = []

    def follow(self, zoom: float) -> None:
        """Take over from the items, or give back to them, as the view's zoom and the level's size say."""
        wanted = zoom < SKETCH_BELOW and len(self.blocks) > OVERVIEW_BLOCKS
        if wanted == self.active:
            return
        self.active = wanted
        for item in [*self.blocks.values(), *self.wires.values()]:
            _hand_over(item, wanted)
        if wanted:
            self.canvas.addItem(self)
            self._rebuild()
        else:
            self.canvas.removeItem(self)

    def release(self) -> None:
        """Out of the scene, before the scene clears its items for another level (they go with it)."""
        if self.active:
            self.canvas.removeItem(self)
        self.active = False

    def adopt(self, item: QGraphicsItem) -> None:
        """A block or wire added to the scene: drawn by the overview while it is active."""
        if self.active:
            _hand_over(item, True)
            self.changed()

    def changed(self) -> None:
        """The level, the selection or the analysis changed: draw it afresh, once the edit is done (an
        auto-layout moves every block: one rebuild, not one per block)."""
        if self.active and not self.pending:
            self.pending = True
            QTimer.singleShot(0, self._rebuild)

    def _rebuild(self) -> None:
        self.pending = False
        if not self.active or not shiboken6.isValid(self):  # handed back meanwhile, or gone with the window
            return
        self.prepareGeometryChange()
        self.path, self.flows = QPainterPath(), {}
        for wire in self.wires.values():
            if wire.flow is None:
                self.path.addPath(wire.path())
            else:
                self.flows.setdefault(round(wire.flow * FLOW_STEPS), QPainterPath()).addPath(wire.path())
        self._bodies, self._selected, self._headers, self._problems = _path(), _path(), {}, []
        bounds = self.path.boundingRect()
        for item in self.blocks.values():
            for port in item.inputs + item.outputs:  # remade when the block's inputs change
                port.setVisible(False)
            rect = QRectF(item.pos(), QSizeF(WIDTH, item.height))
            self._bodies.addRect(rect)
            self._headers.setdefault(item.spec_category, QPainterPath()).addRect(
                QRectF(rect.topLeft(), QSizeF(WIDTH, HEADER))
            )
            if item.isSelected():
                self._selected.addRect(rect)
            if item.problems:
                self._problems.append(QPointF(rect.right() - 4, rect.top() - 2))
            bounds = bounds.united(rect)
        self._bounds = bounds.adjusted(-20, -20, 20, 20)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        theme = self.theme
        pixel = 1 / max(painter.worldTransform().m11(), 1e-3)  # a screen pixel, in scene units
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # lines a pixel wide
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(theme.wire, 0))  # cosmetic: one pixel at any zoom
        painter.drawPath(self.path)
        for step, path in self.flows.items():  # as WireItem draws its gradient flow
            t = step / FLOW_STEPS
            pen = QPen(
                mix(theme.wire, FLOW, t), max(1.0, (1.0 + 7.0 * t) / pixel)
            )  # screen pixels, as thick as the wire would be
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        painter.setPen(QPen(theme.block_border, 0))
        painter.setBrush(theme.block)
        painter.drawPath(self._bodies)
        painter.setPen(Qt.PenStyle.NoPen)
        for category, path in self._headers.items():
            painter.setBrush(category_colour(category))
            painter.drawPath(path)
        if not self._selected.isEmpty():
            tint = QColor(theme.selection)
            tint.setAlpha(90)
            painter.setBrush(tint)
            painter.setPen(QPen(theme.selection, 3 * pixel))
            painter.drawPath(self._selected)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PROBLEM)
        for centre in self._problems:
            painter.drawEllipse(centre, 14, 14)


def _hand_over(item: QGraphicsItem, overview: bool) -> None:
    """A block paints nothing (but stays, to click and drag) and its ports hide while the overview draws;
    a wire hides."""
    if isinstance(item, BlockItem):
        item.setFlag(NO_CONTENTS, overview)
        for port in item.inputs + item.outputs:
            port.setVisible(not overview)
    else:
        item.setVisible(not overview)


def _path() -> QPainterPath:
    """A path of rectangles that fills where any of them is (overlapping blocks too)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    return path
