"""The block palette: every registered block type by category, searchable, dragged onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDrag, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from playground.core.registry import categories
from playground.ui.canvas.view import BLOCK_MIME
from playground.ui.theme import category_colour, set_font, ui_font

TYPE_ROLE = Qt.ItemDataRole.UserRole


class PaletteTree(QTreeWidget):
    """Block types grouped under category headings; a drag carries the type id."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("paletteTree")
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        set_font(self, 10.5)
        self.items: dict[str, QTreeWidgetItem] = {}
        for category, specs in categories().items():
            heading = QTreeWidgetItem(self, [category.upper()])
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            heading.setFont(0, ui_font(9, bold=True))
            heading.setForeground(0, QBrush(category_colour(category)))
            for spec in specs:
                item = QTreeWidgetItem(heading, [spec.title])
                item.setData(0, TYPE_ROLE, spec.type)
                item.setToolTip(0, f"<b>{spec.title}</b> ({spec.type})<br>{spec.description}")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
                marker = QColor(category_colour(category))
                item.setForeground(0, QBrush(self.palette().text().color()))
                item.setData(0, Qt.ItemDataRole.DecorationRole, marker)
                item.setData(
                    0,
                    Qt.ItemDataRole.UserRole + 1,
                    " ".join((spec.type, spec.title, spec.description, *spec.aliases)).lower(),
                )
                self.items[spec.type] = item
        self.expandAll()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # the UI scale changed: the headings follow
            for i in range(self.topLevelItemCount()):
                self.topLevelItem(i).setFont(0, ui_font(9, bold=True))
        super().changeEvent(event)

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        data = QMimeData()
        type_name = items[0].data(0, TYPE_ROLE) if items else None
        if type_name:
            data.setData(BLOCK_MIME, type_name.encode("utf-8"))
            data.setText(type_name)
        return data

    def startDrag(self, supported: Qt.DropAction) -> None:
        """Drag the chosen block type, shown as a small block under the cursor."""
        item = self.currentItem()
        type_name = item.data(0, TYPE_ROLE) if item else None
        if not type_name:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.setPixmap(self._preview(item.text(0), item.data(0, Qt.ItemDataRole.DecorationRole)))
        drag.setHotSpot(QPoint(20, 14))
        drag.exec(Qt.DropAction.CopyAction)

    def _preview(self, title: str, colour: QColor) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(160 * ratio), int(30 * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(0, 0, 160, 30), 7, 7)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(ui_font(10.5, bold=True))
        painter.drawText(QRectF(12, 0, 140, 30), Qt.AlignmentFlag.AlignVCenter, title)
        painter.end()
        return pixmap

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.topLevelItemCount()):
            heading = self.topLevelItem(i)
            visible = 0
            for j in range(heading.childCount()):
                item = heading.child(j)
                haystack = item.data(0, Qt.ItemDataRole.UserRole + 1)
                show = all(word in haystack for word in words)
                item.setHidden(not show)
                visible += show
            heading.setHidden(visible == 0)


class Palette(QWidget):
    """Search box above the tree. Double-click or Enter adds the block at the canvas centre."""

    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("palette")
        self.search = QLineEdit()
        self.search.setObjectName("paletteSearch")
        self.search.setPlaceholderText("Search blocks…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self.tree.filter)
        self.search.returnPressed.connect(self._choose_first)
        self.tree.itemActivated.connect(self._activated)

    def _activated(self, item: QTreeWidgetItem) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.chosen.emit(type_name)

    def _choose_first(self) -> None:
        for item in self.tree.items.values():
            if not item.isHidden() and not item.parent().isHidden():
                self.chosen.emit(item.data(0, TYPE_ROLE))
                return
