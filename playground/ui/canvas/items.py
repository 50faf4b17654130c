"""Blocks and their ports as graphics items (wires: wires.py). Items own no state: they show the Graph."""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsScene, QStyleOptionGraphicsItem, QWidget

from playground.core.analysis import Analysis
from playground.core.graph import GROUP, Block, block_ports, port_names
from playground.core.registry import BlockSpec, format_shape
from playground.ui.canvas.block_text import block_font, detail_text, fitted_title, text_width
from playground.ui.plain import bold_tip, escaped
from playground.ui.theme import PROBLEM, Theme, canvas_font, category_colour, header_colour

WIDTH = 184.0
HEADER = 28.0
ACCENT = 3.0  # the category's colour, a line under the header's tint
LINE = 19.0
PORT_GAP = 22.0
PORT_RADIUS = 6.0
UNIT_SIZE = 18.0  # the per-unit heatmaps drawn inside a block during training
UNIT_GAP = 2.0
UNITS_PER_ROW = 8
SKETCH_BELOW = 0.4  # zoom below which text is too small to read: blocks are drawn as coloured shapes


@functools.lru_cache(maxsize=64)
def block_paths(height: float) -> tuple[QPainterPath, QPainterPath, QRectF]:
    """A block's outline, header and bounds at a height (shared by every block of that height)."""
    outline = QPainterPath()
    outline.addRoundedRect(QRectF(0, 0, WIDTH, height), 8, 8)
    header = QPainterPath()
    header.addRoundedRect(QRectF(0, 0, WIDTH, HEADER), 8, 8)
    header.addRect(QRectF(0, HEADER / 2, WIDTH, HEADER / 2))
    header.setFillRule(Qt.FillRule.WindingFill)
    bounds = QRectF(-PORT_RADIUS - 4, -12, WIDTH + 2 * PORT_RADIUS + 16, height + 16)
    return outline, header.simplified(), bounds


def level_of_detail(painter: QPainter) -> float:
    return QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())


class HoverScene(QGraphicsScene):
    """A scene told which unit heatmap the pointer is over (GraphScene is one)."""

    unit_hovered = Signal(object, int)  # a block's unit heatmap under the pointer (None, -1: none)


class PortItem(QGraphicsItem):
    """A connection point: inputs on the left edge, outputs on the right."""

    def __init__(self, parent: BlockItem, index: int, output: bool, name: str) -> None:
        super().__init__(parent)
        self.block = parent
        self.index = index
        self.output = output
        self.name = name
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setToolTip(f"{'output' if output else 'input'} '{name}' — drag to {'an input' if output else 'an output'}")

    BOUNDS = QRectF(-PORT_RADIUS - 3, -PORT_RADIUS - 3, 2 * PORT_RADIUS + 6, 2 * PORT_RADIUS + 6)

    def boundingRect(self) -> QRectF:
        return self.BOUNDS

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if level_of_detail(painter) < SKETCH_BELOW and not self.hovered:
            return
        theme = self.block.theme
        painter.setPen(QPen(category_colour(self.block.spec_category), 2))
        painter.setBrush(QBrush(theme.selection if self.hovered else theme.block))
        radius = PORT_RADIUS + (1.5 if self.hovered else 0)
        painter.drawEllipse(QPointF(0, 0), radius, radius)

    def hoverEnterEvent(self, event: Any) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event: Any) -> None:
        self.hovered = False
        self.update()

    def link_end(self) -> tuple[str, int]:
        return self.block.block_id, self.index


PADLOCK = 22.0  # the title's room for the padlock of a locked block
LOCKED_TIP = "<br><b>Locked by the assignment</b>: it cannot be changed, moved, deleted or rewired."


class BlockItem(QGraphicsObject):
    """One block: a coloured header with its title, its key parameters, shape and size."""

    def __init__(
        self, block: Block, spec: BlockSpec | None, theme: Theme, analysis: Analysis | None = None, received=None
    ) -> None:
        super().__init__()
        self.block_id = block.id
        self.theme = theme
        self.spec = spec
        self.is_group = block.type == GROUP
        self.spec_category = spec.category if spec else ""
        self.title = spec.title if spec else block.type
        self.detail = ""
        self.shape_text = ""
        self.size_text = ""
        self.id_in_header = True
        self.lines: list[str] = []  # the body's lines: the id (when the header has no room), detail, shape, size
        self.problems: list[str] = []
        self.inputs: list[PortItem] = []
        self.outputs: list[PortItem] = []
        self.height = self.base_height = HEADER + 2 * LINE + 12
        self.port_rows = 1
        self.units: list[QImage] = []
        self.hovered_unit: int | None = None
        self.shown: tuple | None = None  # what refresh() last showed, to skip showing it again
        self.locked = False  # by the assignment: drawn with a padlock and a dashed outline
        self.outline, self.header, self.bounds = block_paths(self.height)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # panning blits, text is drawn once
        self.setZValue(1)
        self.setPos(block.x, block.y)
        self.refresh(block, analysis, received)

    # --- content --------------------------------------------------------------------------
    def refresh(self, block: Block, analysis: Analysis | None, received: list | None = None) -> None:
        """Show the block's parameters and, after an analysis, its shape, size and problems
        (``received``: for an Output, the shape flowing into it)."""
        spec = self.spec
        params = analysis.params.get(block.id, block.params) if analysis else block.params
        shown = (
            block.id,
            dict(params),
            (port_names(block), len(block.graph.blocks)) if block.graph is not None else None,
            (
                analysis.shapes.get(block.id),
                analysis.param_counts.get(block.id),
                analysis.problems_of(block.id),
                block.id in analysis.tied,
            )
            if analysis
            else None,
            received,
        )
        if shown == self.shown:
            return  # an edit elsewhere: this block shows the same
        self.shown = shown
        if spec is not None:
            self.detail = detail_text(block, spec, params)
            ins, outs = block_ports(block, params)
            self._rebuild_ports(len(ins), [p.name for p in ins], [p.name for p in outs])
        if analysis is not None:
            shapes = analysis.shapes.get(block.id) or received
            count = analysis.param_counts.get(block.id)
            self.shape_text = ", ".join(format_shape(s) for s in shapes) if shapes else ""
            self.size_text = f"{count:,} params" if count else ""
            if count and block.id in analysis.tied:
                self.size_text += " · tied"  # one tensor with another block's: counted once (the inspector says which)
            self.problems = [p.message for p in analysis.problems_of(block.id)]
        self._place_lines()
        tip = bold_tip(self.title, spec.description if spec else "unknown block type").replace(
            "</b>", f"</b> '{block.id}'", 1
        )
        if self.is_group:
            tip += "<br><i>Double-click to open it.</i>"
        if self.problems:
            tip += "<br><span style='color:#dc2626'>" + "<br>".join(escaped(p) for p in self.problems) + "</span>"
        self.setToolTip(tip + (LOCKED_TIP if self.locked else ""))
        self.update()

    def set_locked(self, locked: bool) -> None:
        if locked != self.locked:
            self.locked = locked
            tip = self.toolTip().replace(LOCKED_TIP, "")
            self.setToolTip(tip + LOCKED_TIP if locked else tip)
            self.update()

    def _rebuild_ports(self, count: int, in_names: list[str], out_names: list[str]) -> None:
        if len(self.inputs) == count and len(self.outputs) == len(out_names):
            return
        for port in self.inputs + self.outputs:
            port.setParentItem(None)  # type: ignore[arg-type]  # Qt takes None: no parent
            if port.scene():
                port.scene().removeItem(port)
        self.prepareGeometryChange()
        self.port_rows = max(count, len(out_names), 1)
        self._place_lines()
        self.inputs = [PortItem(self, i, False, name) for i, name in enumerate(in_names)]
        self.outputs = [PortItem(self, i, True, name) for i, name in enumerate(out_names)]
        self._place_ports()

    def _place_ports(self) -> None:
        for ports, x in ((self.inputs, 0.0), (self.outputs, WIDTH)):
            top = HEADER + (self.base_height - HEADER - len(ports) * PORT_GAP) / 2 + PORT_GAP / 2
            for i, port in enumerate(ports):
                port.setPos(x, top + i * PORT_GAP)

    def _place_lines(self) -> None:
        """Every text whole, on lines of its own: the id beside the title when it fits there, else under it;
        the block grows to hold them (a shape and a parameter count no longer share one elided line)."""
        room = WIDTH - 30 - text_width("title", self.title)
        self.id_in_header = text_width("id", self.block_id) <= room
        body = [] if self.id_in_header else [self.block_id]
        shape_and_size = "   ".join(t for t in (self.shape_text, self.size_text) if t)
        fits = text_width("text", shape_and_size) <= WIDTH - 28
        self.lines = [*body, self.detail, *([shape_and_size] if fits else [self.shape_text, self.size_text])]
        self.lines = [line for line in self.lines if line] or [""]
        height = max(HEADER + max(2, len(self.lines)) * LINE + 12, HEADER + 8 + self.port_rows * PORT_GAP)
        if height != self.base_height:
            self.prepareGeometryChange()
            self.base_height = height
            self._resize()
            self._place_ports()

    def _resize(self) -> None:
        rows = -(-len(self.units) // UNITS_PER_ROW)
        height = self.base_height + (rows * (UNIT_SIZE + UNIT_GAP) + 6 if rows else 0)
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
            self.outline, self.header, self.bounds = block_paths(height)

    def set_units(self, images: list[QImage]) -> None:
        """Heatmaps of each unit's output over the input plane (empty: none), drawn under the text."""
        if not images and not self.units:
            return
        self.units = images
        self._resize()
        self.update()

    def unit_at(self, point: QPointF) -> int | None:
        """The unit whose heatmap is at ``point`` (item coordinates), if one is."""
        column = int((point.x() - 13) // (UNIT_SIZE + UNIT_GAP))
        row = int((point.y() - self.base_height) // (UNIT_SIZE + UNIT_GAP))
        index = row * UNITS_PER_ROW + column
        inside = 0 <= column < UNITS_PER_ROW and row >= 0 and point.x() >= 13 and point.y() >= self.base_height
        return index if inside and index < len(self.units) else None

    def hoverMoveEvent(self, event: Any) -> None:
        self._hover_unit(self.unit_at(event.pos()))
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event: Any) -> None:
        self._hover_unit(None)
        super().hoverLeaveEvent(event)

    def _hover_unit(self, unit: int | None) -> None:
        """Tell the scene (GraphScene.unit_hovered) which unit's heatmap the pointer is over."""
        scene = self.scene()
        if unit != self.hovered_unit and isinstance(scene, HoverScene):
            self.hovered_unit = unit
            scene.unit_hovered.emit(*(self.block_id, unit) if unit is not None else (None, -1))

    def port_position(self, index: int, output: bool) -> QPointF:
        ports = self.outputs if output else self.inputs
        if index < len(ports):
            return ports[index].scenePos()
        return self.mapToScene(QPointF(WIDTH if output else 0, HEADER / 2))

    # --- drawing -------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self.bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        theme = self.theme
        selected = self.isSelected()
        pen = QPen(theme.selection if selected else theme.block_border, 2.5 if selected or self.locked else 1.2)
        if self.locked:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(theme.block)
        if self.is_group:  # a stack of blocks: what is inside
            for offset in (8.0, 4.0):
                painter.drawPath(self.outline.translated(offset, -offset))
        painter.drawPath(self.outline)
        painter.setPen(Qt.PenStyle.NoPen)
        colour = category_colour(self.spec_category)
        if level_of_detail(painter) < SKETCH_BELOW:  # a coloured shape: no text to read
            painter.setBrush(colour)
            painter.drawPath(self.header)
            if self.problems:
                painter.setBrush(PROBLEM)
                painter.drawEllipse(QPointF(WIDTH - 4, -2), 14, 14)
            return
        painter.setBrush(header_colour(self.spec_category, theme))
        painter.drawPath(self.header)
        painter.setBrush(colour)
        painter.drawRect(QRectF(0, HEADER - ACCENT, WIDTH, ACCENT))
        painter.setPen(theme.text)
        title_left = 12.0
        if self.locked:
            _padlock(painter, QPointF(12, (HEADER - ACCENT) / 2), theme.text)
            title_left += PADLOCK
        room = WIDTH - 12 - title_left
        font, title = fitted_title(self.title, room)
        painter.setFont(font)
        painter.drawText(QRectF(title_left, 0, room, HEADER - ACCENT), Qt.AlignmentFlag.AlignVCenter, title)
        first = 0
        if self.id_in_header:
            painter.setFont(block_font("id"))
            painter.setPen(theme.muted)
            align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
            painter.drawText(
                QRectF(12, 0, WIDTH - 24 - (8 if self.problems else 0), HEADER - ACCENT), align, self.block_id
            )
        else:
            painter.setFont(block_font("id"))
            painter.setPen(theme.muted)
            painter.drawText(QRectF(14, HEADER + 6, WIDTH - 28, LINE), Qt.AlignmentFlag.AlignVCenter, self.block_id)
            first = 1
        metrics = QFontMetricsF(block_font("text"))
        painter.setFont(block_font("text"))
        for i, line in enumerate(self.lines[first:], start=first):
            painter.setPen(theme.text if line == self.detail and self.detail else theme.muted)
            painter.drawText(
                QRectF(14, HEADER + 6 + i * LINE, WIDTH - 28, LINE),
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(line, Qt.TextElideMode.ElideRight, WIDTH - 28),
            )
        top = self.base_height
        for i, image in enumerate(self.units):
            row, column = divmod(i, UNITS_PER_ROW)
            x, y = 13 + column * (UNIT_SIZE + UNIT_GAP), top + row * (UNIT_SIZE + UNIT_GAP)
            painter.drawImage(QRectF(x, y, UNIT_SIZE, UNIT_SIZE), image)
        if self.problems:
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(PROBLEM)
            centre = QPointF(WIDTH - 4, -2)
            painter.drawEllipse(centre, 10, 10)
            painter.setFont(canvas_font(10, bold=True))
            painter.drawText(QRectF(centre.x() - 10, centre.y() - 10, 20, 20), Qt.AlignmentFlag.AlignCenter, "!")


def _padlock(painter: QPainter, left_middle: QPointF, colour: QColor) -> None:
    """A padlock drawn with lines (no emoji font needed), its left side at ``left_middle``."""
    x, y = left_middle.x(), left_middle.y()
    painter.save()
    painter.setPen(QPen(colour, 2.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(x + 3, y - 9, 10, 12), 0, 180 * 16)
    painter.drawLine(QPointF(x + 3, y - 3), QPointF(x + 3, y - 1))
    painter.drawLine(QPointF(x + 13, y - 3), QPointF(x + 13, y - 1))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(x, y - 1, 16, 11), 2, 2)
    painter.restore()
