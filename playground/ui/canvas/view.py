"""The canvas widget: zoom around the cursor, pan with the middle button or Space, drop blocks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QEvent, QIODevice, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsView, QMenu

from playground.core.files import atomic_write
from playground.ui import plain
from playground.ui.canvas.items import HEADER, WIDTH, BlockItem
from playground.ui.canvas.scene import GraphScene

BLOCK_MIME = "application/x-playground-block"  # a block type, from the palette
LIBRARY_MIME = "application/x-playground-library-block"  # a saved group (My blocks), as its entry's text
MIN_ZOOM, MAX_ZOOM = 0.15, 4.0
READABLE_ZOOM = 0.7  # the least zoom a network opens at: its titles about 11 px high
GRID = 24
NUDGE = 10.0
CANVAS_EXTENT = 20000.0  # room to pan around any graph


@dataclass(frozen=True)
class Place:
    """A view's zoom (its transform) and the scene point at its centre."""

    transform: QTransform
    centre: QPointF


SETTLE_MS = 1500  # how long after ``go_to`` the view keeps its place while the window's docks resize


class CanvasView(QGraphicsView):
    space_tapped = Signal()  # Space pressed and released without panning: play/pause
    block_menu_requested = Signal(str, QPoint)  # right-click on a block: its id, where (global)
    entry_dropped = Signal(str, QPointF)  # a saved group dropped from My blocks: its entry text, where (scene)

    def __init__(self, scene: GraphScene) -> None:
        super().__init__(scene)
        self.setObjectName("canvas")
        self.graph_scene = scene
        self.setAcceptDrops(True)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)  # items set all they use
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSceneRect(QRectF(-CANVAS_EXTENT, -CANVAS_EXTENT, 2 * CANVAS_EXTENT, 2 * CANVAS_EXTENT))
        self._panning = False
        self._space = False
        self._space_used = False
        self._pan_from = QPointF()
        self.ui_scale = 1.0  # the UI scale: the canvas's 100 % (and its largest fitted zoom) are this much larger
        self._going_to: Place | None = None  # a place to return to once the view has its size back

    # --- zoom -------------------------------------------------------------------------
    def set_ui_scale(self, scale: float) -> None:
        """Everything on the canvas (text, ports, lines) ``scale`` times larger, around the centre, as
        a zoom: a graph zoomed to fit stays fitted."""
        factor, self.ui_scale = scale / self.ui_scale, scale
        self.zoom_by(factor)

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        """Zoom by ``factor``, keeping the scene point under ``anchor`` (viewport pixels; default: the centre) still."""
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        fixed = self.mapToScene(anchor)
        target = min(MAX_ZOOM * self.ui_scale, max(MIN_ZOOM, self.zoom() * factor))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(target / self.zoom(), target / self.zoom())
        moved = self.mapFromScene(fixed) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())

    def place(self) -> Place:
        """Where the view is (``go_to`` comes back to it)."""
        return Place(self.transform(), self.mapToScene(self.viewport().rect().center()))

    def go_to(self, place: Place) -> None:
        """Back to ``place``: its zoom, and its centre in the middle of the view, kept there while the
        window's docks take their sizes back over several layout passes (and under a window manager, a
        window leaving full screen is resized more than once)."""
        self._going_to = place
        self._arrive()
        QTimer.singleShot(SETTLE_MS, self._settled)

    def _arrive(self) -> None:
        if self._going_to is not None:
            self.setTransform(self._going_to.transform)
            self.centerOn(self._going_to.centre)

    def _settled(self) -> None:
        self._going_to = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrive()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(math.pow(1.15, steps), event.position().toPoint())
        event.accept()

    def zoom_to_fit(self) -> None:
        rect = self.graph_scene.itemsBoundingRect()
        if rect.isEmpty():
            self.resetTransform()
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        largest = 1.25 * self.ui_scale  # a small graph is not blown up past readable text
        if self.zoom() > largest:
            self.scale(largest / self.zoom(), largest / self.zoom())
        self.centerOn(rect.center())

    def show_network(self) -> None:
        """A network just opened: fitted to the view, but never so small that its titles cannot be
        read (a large one on a small screen starts at its inputs, at the top left, and is scrolled)."""
        self.zoom_to_fit()
        rect = self.graph_scene.itemsBoundingRect()
        smallest = READABLE_ZOOM * self.ui_scale
        if rect.isEmpty() or self.zoom() >= smallest:
            return
        self.scale(smallest / self.zoom(), smallest / self.zoom())
        corner = self.mapToScene(self.viewport().rect().topLeft())
        centre = self.mapToScene(self.viewport().rect().center())
        self.centerOn(centre + rect.adjusted(-40, -40, 0, 0).topLeft() - corner)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.graph_scene.overview.follow(self.zoom())  # a large level zoomed out: drawn as one item
        super().paintEvent(event)

    # --- pan ------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        """Space belongs to the canvas (hold and drag: pan; tap: ``space_tapped``), not to shortcuts."""
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.ShortcutOverride
            and event.key() == Qt.Key.Key_Space
        ):
            event.accept()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton
        ):
            self._panning = True
            self._space_used = self._space
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning:
            self._panning = False
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self._space_used = False
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        moves: dict[int, tuple[float, float]] = {
            Qt.Key.Key_Left: (-NUDGE, 0),
            Qt.Key.Key_Right: (NUDGE, 0),
            Qt.Key.Key_Up: (0, -NUDGE),
            Qt.Key.Key_Down: (0, NUDGE),
        }
        if key in moves and self.graph_scene.selected_block_ids():
            self.graph_scene.nudge(*moves[key])
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            if not self._space_used:
                self.space_tapped.emit()
            return
        super().keyReleaseEvent(event)

    # --- pictures ------------------------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self.itemAt(event.pos())
        while item is not None and not isinstance(item, BlockItem):
            item = item.parentItem()
        if item is not None:
            if not item.isSelected():
                self.graph_scene.select_blocks([item.block_id])
            self.block_menu_requested.emit(item.block_id, event.globalPos())
            return
        if self.itemAt(event.pos()) is not None:
            super().contextMenuEvent(event)
            return
        menu = QMenu(self)
        menu.addAction("Save picture of the network…", self.save_picture_dialog)
        menu.addAction("Zoom to fit", self.zoom_to_fit)
        menu.exec(event.globalPos())

    def save_picture_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save picture", "network.png", "PNG image (*.png);;SVG image (*.svg)"
        )
        if path and not self.save_picture(Path(path)):
            plain.warn(self, "Cannot save picture", f"{path}: cannot be written")

    def save_picture(self, path: Path) -> bool:
        """The whole network as a PNG (twice the scene resolution) or an SVG file, written whole or not at
        all (a failed write leaves the file that was there); False if it cannot be written."""
        scene = self.graph_scene
        source = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if path.suffix.lower() == ".svg":
            generator = QSvgGenerator()
            generator.setOutputDevice(buffer)
            generator.setSize(source.size().toSize())
            generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
            generator.setTitle("Playground network")
            painter = QPainter(generator)
            scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
            painter.end()
        else:
            image = QImage((source.size() * 2).toSize(), QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(scene.theme.canvas)
            painter = QPainter(image)
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
            scene.render(painter, QRectF(image.rect()), source)
            painter.end()
            if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # PySide6 takes the format as text
                return False
        data = bytes(buffer.data().data())
        try:
            atomic_write(path, lambda tmp: tmp.write_bytes(data))
        except OSError:
            return False
        return bool(data)

    # --- drop blocks from the palette --------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._take_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._take_drag(event)

    def _take_drag(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(BLOCK_MIME) or event.mimeData().hasFormat(LIBRARY_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        at = self.mapToScene(event.position().toPoint())
        if event.mimeData().hasFormat(LIBRARY_MIME):
            self.entry_dropped.emit(bytes(event.mimeData().data(LIBRARY_MIME).data()).decode("utf-8"), at)
            event.acceptProposedAction()
            self.setFocus()
            return
        if not event.mimeData().hasFormat(BLOCK_MIME):
            event.ignore()
            return
        type_name = bytes(event.mimeData().data(BLOCK_MIME).data()).decode("utf-8")
        block_id = self.graph_scene.document.add_block(type_name, at.x() - WIDTH / 2, at.y() - HEADER / 2)
        if block_id:
            self.graph_scene.select_blocks([block_id])
        event.acceptProposedAction()
        self.setFocus()

    # --- background -------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        super().drawBackground(painter, rect)
        if self.zoom() < 0.4:
            return
        painter.setPen(QPen(self.graph_scene.theme.grid, 1))
        left = math.floor(rect.left() / GRID) * GRID
        top = math.floor(rect.top() / GRID) * GRID
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += GRID
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += GRID
