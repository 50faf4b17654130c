"""The network as presentation mode shows it: every top-level block as a large card, in data-flow order,
on lines that turn back (a snake) to fit the strip above the training views, with the wires between
them. The titles are drawn at least as large as the smallest text presentation allows (16 px on a
720-line projector, 22 px on 1080): no zoom hides them. Groups are one card each. The cards are
drawn from the project and placed by the data flow, not by the canvas's positions, which stay as the
author left them. Clicking a card selects its block, as on the canvas: the views follow it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from playground.core.analysis import Analysis
from playground.core.graph import Graph
from playground.core.layout import Snake, flow_columns, snake, snake_height
from playground.core.registry import get_spec
from playground.ui.canvas.block_text import detail_text
from playground.ui.theme import Theme, category_colour, header_colour, smallest_text_px

TITLE_SHARE = 1.25  # a card's title, this much larger than the smallest text
MOST_SCALE = 1.6  # a short network is drawn at most this much larger than its cards' size
GAP_EMS = 1.5  # between cards, in heights of the smallest text
PAD_EMS = 0.45  # inside a card, above and below its text
WIRE_SAMPLES = 32  # points along a wire's straight way checked for cards in it
SIDE_PADS = 2  # ... and twice that beside it (a border close to a word is read as a letter of it)


@dataclass(frozen=True)
class Card:
    block_id: str
    title: str
    detail: str
    category: str


@dataclass(frozen=True)
class Placing:
    snake: Snake
    scale: float
    details: bool
    card_w: float
    card_h: float
    gap: float


def _role(block_id: str, block_type: str) -> str:
    """What an Input or Output is for, as its card's title, when its id says more than its type (gan-2d's
    ``noise_1`` and ``real_1`` tell the generator's row from the discriminator's): "noise"; "" for
    ``input_1``, whose card says "Input" (its grey says Input or Output either way)."""
    name = re.sub(r"_\d+$", "", block_id)
    if block_type not in ("input", "output") or name == block_type:
        return ""
    return name.replace("_", " ")


class StageNetwork(QWidget):
    """The top level of the project as cards (see the module's text); ``picked`` when a card is clicked."""

    picked = Signal(str)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("stageNetwork")
        self.theme = theme
        self.columns: list[list[Card]] = []
        self.links: list[tuple[str, str]] = []
        self.selected: set[str] = set()
        self.rects: dict[str, QRectF] = {}  # where each card was drawn (widget pixels)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- content -----------------------------------------------------------------------------
    def show_network(self, graph: Graph, analysis: Analysis | None) -> None:
        cards = {}
        for block in graph.blocks.values():
            spec = get_spec(block.type)
            params = analysis.params.get(block.id, block.params) if analysis else block.params
            if spec is None:  # a type this Playground does not know: its name, said as a problem elsewhere
                cards[block.id] = Card(block.id, block.type, "", "")
                continue
            title = block.id if block.graph is not None else _role(block.id, block.type) or spec.title
            cards[block.id] = Card(block.id, title, detail_text(block, spec, params), spec.category)
        self.columns = [[cards[block_id] for block_id in column] for column in flow_columns(graph)]
        self.links = [(link.src, link.dst) for link in graph.links if link.src in cards and link.dst in cards]
        self.update()

    def set_selected(self, block_ids: list[str]) -> None:
        self.selected = set(block_ids)
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    # --- sizes -------------------------------------------------------------------------------
    def fonts(self) -> tuple[QFont, QFont]:
        """The titles' and the details' fonts, at the sizes the screen's height calls for."""
        screen = self.screen() or QApplication.primaryScreen()
        smallest = smallest_text_px(screen.geometry().height())
        title, detail = QFont(self.font()), QFont(self.font())
        title.setPixelSize(round(smallest * TITLE_SHARE))
        title.setBold(True)
        detail.setPixelSize(round(smallest))
        return title, detail

    def card_size(self, details: bool = True) -> tuple[float, float, float]:
        """A card's width and height, and the gap between cards, at scale 1 (``details``: with the line
        of key parameters under the title)."""
        title_font, detail_font = self.fonts()
        title, detail = QFontMetricsF(title_font), QFontMetricsF(detail_font)
        pad = detail.height() * PAD_EMS
        widest = max(
            (
                max(title.horizontalAdvance(c.title), detail.horizontalAdvance(c.detail) if details else 0.0)
                for c in self._cards()
            ),
            default=0.0,
        )
        width = max(widest, 4 * detail.height()) + 2 * SIDE_PADS * pad
        return width, title.height() + (detail.height() if details else 0.0) + 2.2 * pad, detail.height() * GAP_EMS

    def wanted_height(self, width: int) -> int:
        """The least height in which the cards are drawn at their size across ``width`` (with their
        details if that takes no more than half as much again)."""
        heights = [
            snake_height(self._stacks(), card[:2], card[2], width) for card in (self.card_size(), self.card_size(False))
        ]
        return math.ceil(heights[0] if heights[0] <= 1.5 * heights[1] else heights[1])

    def sizeHint(self) -> QSize:
        return QSize(800, self.wanted_height(800))

    def _cards(self) -> list[Card]:
        return [card for column in self.columns for card in column]

    def _stacks(self) -> list[int]:
        return [len(column) for column in self.columns]

    def title_px(self) -> int:
        """How high the titles are drawn, in pixels (their font's size at the scale the cards fit at)."""
        return max(1, round(self.fonts()[0].pixelSize() * self.placing().scale))

    # --- drawing -----------------------------------------------------------------------------
    def placing(self) -> Placing:
        """How the cards are drawn in the widget as it is: the snake, at what scale, with or without
        details (without, where that alone lets the titles reach their size), centred."""
        stacks = self._stacks()
        box = (self.width(), self.height())
        placings = []
        for details in (True, False):
            card_w, card_h, gap = self.card_size(details)
            shape = snake(stacks, (card_w, card_h), gap, box)
            placings.append(Placing(shape, min(shape.scale, MOST_SCALE), details, card_w, card_h, gap))
        full, bare = placings
        return full if full.scale >= min(1.0, bare.scale) else bare

    def _place(self, placing: Placing) -> None:
        shape, scale, gap = placing.snake, placing.scale, placing.gap
        card_w, card_h = placing.card_w, placing.card_h
        stacks = self._stacks()
        line_tops = [0.0]
        for i in range(0, len(stacks), shape.per_row):
            line_tops.append(line_tops[-1] + max(stacks[i : i + shape.per_row]) * (card_h + gap))
        per_row = min(shape.per_row, len(stacks))
        left = (self.width() - (per_row * (card_w + gap) + gap) * scale) / 2
        top = (self.height() - (line_tops[-1] + gap) * scale) / 2
        self.rects = {}
        for index, column in enumerate(self.columns):
            row, along = shape.slot(index)
            for k, card in enumerate(column):
                x = gap + along * (card_w + gap)
                y = gap + line_tops[row] + k * (card_h + gap)
                self.rects[card.block_id] = QRectF(left + x * scale, top + y * scale, card_w * scale, card_h * scale)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self.theme.canvas)
        if not self.columns:
            return
        placing = self.placing()
        self._place(placing)
        for src, dst in self.links:
            self._wire(painter, self.rects[src], self.rects[dst], placing.scale)
        title_font, detail_font = self.fonts()
        title_font.setPixelSize(max(1, round(title_font.pixelSize() * placing.scale)))
        detail_font.setPixelSize(max(1, round(detail_font.pixelSize() * placing.scale)))
        for card in self._cards():
            shown = card if placing.details else Card(card.block_id, card.title, "", card.category)
            self._card(painter, shown, self.rects[card.block_id], title_font, detail_font, placing.scale)

    def _card(self, painter: QPainter, card: Card, rect: QRectF, title: QFont, detail: QFont, scale: float) -> None:
        theme, chosen = self.theme, card.block_id in self.selected
        painter.setPen(
            QPen(theme.selection if chosen else category_colour(card.category), (4 if chosen else 2) * scale)
        )
        painter.setBrush(header_colour(card.category, theme))
        painter.drawRoundedRect(rect, 8 * scale, 8 * scale)
        pad = QFontMetricsF(detail).height() * PAD_EMS
        inner = rect.adjusted(SIDE_PADS * pad, pad, -SIDE_PADS * pad, -pad)
        title_h = QFontMetricsF(title).height()
        painter.setPen(theme.text)
        painter.setFont(title)
        painter.drawText(
            QRectF(inner.left(), inner.top(), inner.width(), title_h), Qt.AlignmentFlag.AlignCenter, card.title
        )
        painter.setPen(theme.muted)
        painter.setFont(detail)
        below = QRectF(inner.left(), inner.top() + title_h, inner.width(), inner.height() - title_h)
        painter.drawText(below, Qt.AlignmentFlag.AlignCenter, card.detail)

    def _wire(self, painter: QPainter, src: QRectF, dst: QRectF, scale: float) -> None:
        """A wire from one card's side to the next card's, ending in an arrowhead; a wire that would
        pass behind other cards (a skip connection, a second input) goes under them into the bottom
        of the card it feeds."""
        if dst.left() >= src.right():
            start, end = QPointF(src.right(), src.center().y()), QPointF(dst.left(), dst.center().y())
        elif dst.right() <= src.left():
            start, end = QPointF(src.left(), src.center().y()), QPointF(dst.right(), dst.center().y())
        else:
            below = dst.top() >= src.bottom()
            start = QPointF(src.center().x(), src.bottom() if below else src.top())
            end = QPointF(dst.center().x(), dst.top() if below else dst.bottom())
        horizontal = abs(end.x() - start.x()) >= abs(end.y() - start.y())
        bend = QPointF((end.x() - start.x()) / 2, 0) if horizontal else QPointF(0, (end.y() - start.y()) / 2)
        first = start + bend
        if self._between(src, dst, start, end):
            start, end = QPointF(src.center().x(), src.bottom()), QPointF(dst.center().x(), dst.bottom())
            bend = QPointF(0, -dst.height())
            first = start - bend
        path = QPainterPath(start)
        path.cubicTo(first, end - bend, end)
        painter.setPen(QPen(self.theme.wire, 2.5 * scale))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        direction = QLineF(end - bend, end).unitVector()
        tip = QPointF(direction.dx(), direction.dy()) * 12 * scale
        side = QPointF(-tip.y(), tip.x()) * 0.5
        painter.setBrush(self.theme.wire)
        painter.drawPolygon(QPolygonF([end, end - tip + side, end - tip - side]))

    def _between(self, src: QRectF, dst: QRectF, start: QPointF, end: QPointF) -> bool:
        """Whether another card lies across the way from ``start`` (on ``src``) to ``end`` (on ``dst``)."""
        others = [r.adjusted(2, 2, -2, -2) for r in self.rects.values() if r not in (src, dst)]
        along = [start + (end - start) * (i / WIRE_SAMPLES) for i in range(1, WIRE_SAMPLES)]
        return any(r.contains(point) for r in others for point in along)

    # --- input -------------------------------------------------------------------------------
    def card_at(self, point: QPointF) -> str | None:
        return next((block_id for block_id, rect in self.rects.items() if rect.contains(point)), None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        block_id = self.card_at(event.position())
        if block_id is not None and event.button() == Qt.MouseButton.LeftButton:
            self.picked.emit(block_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over = self.card_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)
