"""The block palette: My blocks (the user's saved groups) and every registered block type by category,
searchable, dragged onto the canvas."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDrag, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.core.graph import GROUP_INPUT, GROUP_OUTPUT, Block, block_ports
from playground.core.library import Entry, entry_text
from playground.core.registry import categories
from playground.ui.canvas.view import BLOCK_MIME, LIBRARY_MIME
from playground.ui.plain import bold_tip
from playground.ui.theme import category_colour, set_font, ui_font

TYPE_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # a My blocks item: its Entry
MY_BLOCKS = "My blocks"
HINT = "No saved groups yet"
HINT_TIP = "Select a group, then Edit › Save Group to My Blocks (or right-click it): it is listed here, to drag into any project."


class PaletteTree(QTreeWidget):
    """My blocks, then block types grouped under category headings; a drag carries the type id, or the
    saved group itself."""

    remove_requested = Signal(object)  # the Entry whose file the user asked to delete

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
        self.entries: dict[str, QTreeWidgetItem] = {}  # My blocks, by name
        self.inside_group = False  # Group Input and Group Output are listed only inside a group
        self.words: list[str] = []
        self.my_blocks = self._heading(MY_BLOCKS)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        for category, specs in categories().items():
            heading = self._heading(category)
            for spec in specs:
                item = QTreeWidgetItem(heading, [spec.title])
                item.setData(0, TYPE_ROLE, spec.type)
                item.setToolTip(0, f"<b>{spec.title}</b> ({spec.type})<br>{spec.description}")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
                marker = QColor(category_colour(category))
                item.setForeground(0, QBrush(self.palette().text().color()))
                item.setData(0, Qt.ItemDataRole.DecorationRole, marker)
                item.setData(0, SEARCH_ROLE, " ".join((spec.type, spec.title, spec.description, *spec.aliases)).lower())
                self.items[spec.type] = item
        self.set_entries([])
        self.filter("")
        self.expandAll()

    def set_inside_group(self, inside: bool) -> None:
        self.inside_group = inside
        self.filter(" ".join(self.words))

    def _heading(self, category: str) -> QTreeWidgetItem:
        heading = QTreeWidgetItem(self, [category.upper()])
        heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
        heading.setFont(0, ui_font(9, bold=True))
        heading.setForeground(0, QBrush(category_colour("Groups" if category == MY_BLOCKS else category)))
        return heading

    def set_entries(self, entries: list[Entry]) -> None:
        """Show these saved groups under My blocks (a damaged one greyed, its problem as its tooltip)."""
        self.my_blocks.takeChildren()
        self.entries = {}
        for entry in entries:
            item = QTreeWidgetItem(self.my_blocks, [entry.name])
            item.setData(0, SEARCH_ROLE, f"{entry.name} my blocks group saved".lower())
            item.setData(0, Qt.ItemDataRole.DecorationRole, QColor(category_colour("Groups")))
            item.setData(0, ENTRY_ROLE, entry)
            if entry.block is None:
                item.setFlags(Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip(0, bold_tip(entry.name, "cannot be used:", entry.problem))
            else:
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
                item.setFlags(flags)
                item.setToolTip(0, _entry_tip(entry.name, entry.block, entry.path))
            self.entries[entry.name] = item
        if not entries:
            hint = QTreeWidgetItem(self.my_blocks, [HINT])
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            hint.setData(0, SEARCH_ROLE, "")
            hint.setForeground(0, QBrush(self.palette().placeholderText().color()))
            hint.setToolTip(0, HINT_TIP)
        self.my_blocks.setExpanded(True)

    def _menu(self, where: QPoint) -> None:
        item = self.itemAt(where)
        entry = item.data(0, ENTRY_ROLE) if item else None
        if entry is None:
            return
        menu = QMenu(self)
        menu.setObjectName("myBlocksMenu")
        remove = menu.addAction(f"Remove '{entry.name}' from My Blocks…")
        remove.setObjectName("remove_from_library")
        remove.triggered.connect(lambda: self.remove_requested.emit(entry))
        menu.popup(self.viewport().mapToGlobal(where))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # the UI scale changed: the headings follow
            for heading in self.headings():
                heading.setFont(0, ui_font(9, bold=True))
        super().changeEvent(event)

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        data = QMimeData()
        type_name = items[0].data(0, TYPE_ROLE) if items else None
        entry = items[0].data(0, ENTRY_ROLE) if items else None
        if type_name:
            data.setData(BLOCK_MIME, type_name.encode("utf-8"))
            data.setText(type_name)
        elif entry is not None and entry.block is not None:
            data.setData(LIBRARY_MIME, entry_text(entry.block, entry.name).encode("utf-8"))
        return data

    def startDrag(self, supported: Qt.DropAction) -> None:
        """Drag the chosen block type (or saved group), shown as a small block under the cursor."""
        item = self.currentItem()
        data = self.mimeData([item]) if item is not None else None
        if item is None or data is None or not data.formats():
            return
        drag = QDrag(self)
        drag.setMimeData(data)
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

    def headings(self) -> list[QTreeWidgetItem]:
        """The categories (and My blocks), top to bottom."""
        return [item for i in range(self.topLevelItemCount()) if (item := self.topLevelItem(i)) is not None]

    def filter(self, text: str) -> None:
        words = self.words = text.lower().split()
        for heading in self.headings():
            visible = 0
            for item in _children(heading):
                haystack = item.data(0, SEARCH_ROLE)
                show = all(word in haystack for word in words) and (bool(haystack) or not words)
                show = show and (self.inside_group or item.data(0, TYPE_ROLE) not in (GROUP_INPUT, GROUP_OUTPUT))
                item.setHidden(not show)
                visible += show
            heading.setHidden(visible == 0)


def _children(heading: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [item for j in range(heading.childCount()) if (item := heading.child(j)) is not None]


def _entry_tip(name: str, group: Block, path: Path) -> str:
    inner = group.graph.blocks.values() if group.graph is not None else ()
    inside = sum(1 for b in inner if b.type not in (GROUP_INPUT, GROUP_OUTPUT))
    ports = block_ports(group, group.params)
    repeat = group.params.get("repeat", 1)
    copies = f" · ×{repeat}" if repeat != 1 else ""
    return bold_tip(
        f"{name} (My blocks)",
        f"A group of {inside} blocks{copies}: {len(ports[0])} in, {len(ports[1])} out. Drag it into any project.",
        str(path),
    )


class Palette(QWidget):
    """Search box above the tree. Double-click or Enter adds the block at the canvas centre."""

    chosen = Signal(str)  # a block type
    chosen_entry = Signal(str)  # a saved group, as its entry's text

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
        if item.data(0, TYPE_ROLE):
            self.chosen.emit(item.data(0, TYPE_ROLE))
        elif item.data(0, ENTRY_ROLE) is not None and item.data(0, ENTRY_ROLE).block is not None:
            entry = item.data(0, ENTRY_ROLE)
            self.chosen_entry.emit(entry_text(entry.block, entry.name))

    def _choose_first(self) -> None:
        for item in [*self.tree.entries.values(), *self.tree.items.values()]:
            heading = item.parent()
            if (
                heading is not None
                and not item.isHidden()
                and not heading.isHidden()
                and item.flags() & Qt.ItemFlag.ItemIsEnabled
            ):
                self._activated(item)
                return
