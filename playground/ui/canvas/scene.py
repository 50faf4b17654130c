"""The scene mirrors the document's Graph: graph events add, remove and move items.

Mouse gestures become document edits: dragging between ports connects, releasing a
moved selection pushes one Move. The scene never changes the Graph itself.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QImage, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsSceneMouseEvent

from playground.core.analysis import Analysis
from playground.core.graph import Graph, Link
from playground.core.registry import format_shape, get_spec
from playground.ui.canvas.items import BlockItem, HoverScene, PortItem
from playground.ui.canvas.overview import Overview
from playground.ui.canvas.wires import WireItem, wire_path
from playground.ui.document import Document
from playground.ui.theme import LIGHT, Theme

FLOW_DECADES = 4.0
HINT = "Drag from an output port (right side of a block) to an input port (left side of another block)."


class GraphScene(HoverScene):
    hint = Signal(str)

    def __init__(self, document: Document, theme: Theme = LIGHT, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.theme = theme
        self.blocks: dict[str, BlockItem] = {}
        self.wires: dict[Link, WireItem] = {}
        self._wires_at: dict[str, set[Link]] = {}  # block id -> the wires at its ports
        self._shown: Analysis | None = None  # the analysis shown last
        self._drag_wire: QGraphicsPathItem | None = None
        self._drag_port: PortItem | None = None
        self._press_positions: dict[str, tuple[float, float]] = {}
        self._graph: Graph | None = None
        self.overview = Overview(self, self.blocks, self.wires, theme)
        document.replaced.connect(self.rebuild)
        document.level_changed.connect(self.rebuild)
        document.analysed.connect(self.show_analysis)
        document.settings_changed.connect(lambda part: self._show_locks() if part == "assignment" else None)
        self.selectionChanged.connect(lambda: self.overview.changed())
        self.setBackgroundBrush(theme.canvas)
        self.rebuild()

    # --- mirroring the graph ---------------------------------------------------------------
    def rebuild(self) -> None:
        if self._graph is not None:
            self._graph.unsubscribe(self._on_graph_event)
        self.overview.release()
        self.clear()
        self.blocks.clear()
        self.wires.clear()
        self._wires_at.clear()
        self._shown = None
        self._graph = self.document.graph
        self._graph.subscribe(self._on_graph_event)
        analysis = self._shown = self.document.analysis  # each item made showing it: once, not twice
        for block in self._graph.blocks.values():
            self._add_block(block, analysis)
        for link in self._graph.links:
            self._add_wire(link, analysis)

    def detach(self) -> None:
        """Stop mirroring the graph (the window is closing)."""
        if self._graph is not None:
            self._graph.unsubscribe(self._on_graph_event)
            self._graph = None

    def set_theme(self, theme: Theme) -> None:
        self.theme = self.overview.theme = theme
        self.setBackgroundBrush(theme.canvas)
        items: list[BlockItem | WireItem] = [*self.blocks.values(), *self.wires.values()]
        for item in items:
            item.theme = theme
            item.update()

    def _on_graph_event(self, event: str, payload: dict[str, Any]) -> None:
        if event == "block_added":
            self._add_block(payload["block"])
        elif event == "block_removed":
            item = self.blocks.pop(payload["block"].id)
            self.removeItem(item)
        elif event == "link_added":
            self._add_wire(payload["link"])
        elif event == "link_removed":
            link = payload["link"]
            self.removeItem(self.wires.pop(link))
            for end in (link.src, link.dst):
                self._wires_at[end].discard(link)
        elif event == "param_changed":
            block = payload["block"]
            self.blocks[block.id].refresh(block, None)
            self._update_wires_of(block.id)
        elif event == "block_moved":
            block = payload["block"]
            item = self.blocks[block.id]
            if (item.x(), item.y()) != (block.x, block.y):
                item.setPos(block.x, block.y)
        self.overview.changed()

    def _add_block(self, block, analysis=None) -> None:
        spec = get_spec(block.type)
        received = self._received(block.id, spec, analysis) if analysis is not None else None
        item = BlockItem(block, spec, self.theme, analysis, received)
        item.set_locked(self.document.is_locked(block.id))
        self.blocks[block.id] = item
        self.addItem(item)
        item.xChanged.connect(self._item_moved)
        item.yChanged.connect(self._item_moved)
        self.overview.adopt(item)

    def _item_moved(self) -> None:
        """A block item moved (dragged, or following its block): its wires follow."""
        item = self.sender()
        if isinstance(item, BlockItem) and self.blocks.get(item.block_id) is item:
            self._update_wires_of(item.block_id)
            self.overview.changed()  # a block dragged at overview zoom: its wires

    def _add_wire(self, link: Link, analysis=None) -> None:
        item = WireItem(link, self.theme)
        self.wires[link] = item
        for end in (link.src, link.dst):
            self._wires_at.setdefault(end, set()).add(link)
        self.addItem(item)
        self.overview.adopt(item)
        if analysis is not None:
            item.set_label(_label(analysis, link))  # measured once, with its ends
        self._place_wire(item)

    def _place_wire(self, item: WireItem) -> None:
        link = item.link
        start = self.blocks[link.src].port_position(link.src_port, True)
        end = self.blocks[link.dst].port_position(link.dst_port, False)
        item.set_ends(start, end)

    def _update_wires_of(self, block_id: str) -> None:
        for link in self._wires_at.get(block_id, ()):
            self._place_wire(self.wires[link])

    def show_analysis(self, analysis) -> None:
        if analysis is self._shown:
            return  # the level was rebuilt with it already
        self._shown = analysis
        graph = self.document.graph
        for block_id, item in self.blocks.items():
            item.refresh(graph.blocks[block_id], analysis, self._received(block_id, item.spec, analysis))
        for link, wire in self.wires.items():
            wire.set_label(_label(analysis, link))
            self._place_wire(wire)
        self._show_locks()
        self.overview.changed()

    def _show_locks(self) -> None:
        for block_id, item in self.blocks.items():
            item.set_locked(self.document.is_locked(block_id))

    def _received(self, block_id: str, spec, analysis) -> list | None:
        """For a block without outputs (an Output), the shape flowing into it: what it shows."""
        if spec is not None and spec.outputs:
            return None
        into = self.document.graph.link_into(block_id, 0)
        shape = analysis.wire_shape(into) if into is not None else None
        return [shape] if shape else None

    # --- live training --------------------------------------------------------------------
    def show_units(self, images: dict[str, list[QImage]]) -> None:
        """Per-unit heatmaps inside blocks (blocks left out show none)."""
        for block_id, item in self.blocks.items():
            item.set_units(images.get(block_id, []))

    def show_flow(self, gradients: dict[str, float] | None) -> None:
        """Wire thickness and colour by the mean absolute gradient of the tensor each wire carries, on a
        log scale spanning four decades below the largest (None: plain wires)."""
        peak = max((g for g in (gradients or {}).values() if g > 0), default=0.0)
        for link, wire in self.wires.items():
            value = (gradients or {}).get(link.src)
            if gradients is None or value is None or peak <= 0:
                wire.set_flow(None)
            else:
                wire.set_flow(min(1.0, max(0.0, 1 + math.log10(max(value, 1e-30) / peak) / FLOW_DECADES)))
        self.overview.changed()

    # --- selection helpers ----------------------------------------------------------------
    def selected_block_ids(self) -> list[str]:
        return [item.block_id for item in self.selectedItems() if isinstance(item, BlockItem)]

    def selected_links(self) -> list[Link]:
        return [item.link for item in self.selectedItems() if isinstance(item, WireItem)]

    def select_blocks(self, block_ids: list[str]) -> None:
        self.clearSelection()
        for block_id in block_ids:
            if block_id in self.blocks:
                self.blocks[block_id].setSelected(True)

    # --- gestures ---------------------------------------------------------------------------
    def _port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            port = self._port_at(event.scenePos())
            if port is not None:
                self._drag_port = port
                self._drag_wire = QGraphicsPathItem()
                self._drag_wire.setPen(QPen(self.theme.selection, 2, Qt.PenStyle.DashLine))
                self._drag_wire.setZValue(3)
                self.addItem(self._drag_wire)
                event.accept()
                return
        super().mousePressEvent(event)
        self._press_positions = {b: (self.blocks[b].x(), self.blocks[b].y()) for b in self.selected_block_ids()}

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Double-click on a group: open it (its inside replaces the canvas; the breadcrumb goes back up)."""
        for item in self.items(event.scenePos()):
            if isinstance(item, BlockItem) and item.is_group:
                self.document.open_group(item.block_id)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_wire is not None and self._drag_port is not None:
            anchor = self._drag_port.scenePos()
            start, end = (anchor, event.scenePos()) if self._drag_port.output else (event.scenePos(), anchor)
            self._drag_wire.setPath(wire_path(start, end))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_wire is not None and self._drag_port is not None:
            self.removeItem(self._drag_wire)
            source, self._drag_wire, self._drag_port = self._drag_port, None, None
            self._finish_wire(source, self._port_at(event.scenePos()))
            event.accept()
            return
        super().mouseReleaseEvent(event)
        moved = {b: (self.blocks[b].x(), self.blocks[b].y()) for b in self._press_positions if b in self.blocks}
        if moved and moved != self._press_positions:
            self.document.move(moved)
        self._press_positions = {}

    def _finish_wire(self, source: PortItem, target: PortItem | None) -> None:
        if target is None:
            return
        if target.output == source.output or target.block is source.block:
            self.hint.emit(HINT)
            return
        out, into = (source, target) if source.output else (target, source)
        self.document.wire(Link(out.block.block_id, out.index, into.block.block_id, into.index))

    def nudge(self, dx: float, dy: float) -> None:
        """Move the selected blocks by a few pixels (arrow keys); consecutive nudges merge into one undo step."""
        ids = self.selected_block_ids()
        graph = self.document.graph
        self.document.move({b: (graph.blocks[b].x + dx, graph.blocks[b].y + dy) for b in ids}, nudge=True)


def _label(analysis, link: Link) -> str:
    shape = analysis.wire_shape(link)
    return format_shape(shape) if shape is not None else ""
