"""The window's edits of the network at hand: cut, copy, paste and duplicate (the clipboard holds blocks
as the project format's graph part, and plain text for other programs), delete, select all, a palette
block added at the canvas's centre, and auto-layout."""

from __future__ import annotations

import atexit

from PySide6.QtCore import QByteArray, QMimeData, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle

from playground.core.clipboard import copy_group, paste_group
from playground.core.reader import ProjectError
from playground.ui.actions import Actions, Say
from playground.ui.canvas.scene import GraphScene
from playground.ui.canvas.view import CanvasView
from playground.ui.document import Document

CLIPBOARD_MIME = "application/x-playground-blocks"
PASTE_OFFSET = (40.0, 40.0)


@atexit.register
def _release_clipboard() -> None:
    """Hand our clipboard data back to Qt before Python shuts down: Qt would otherwise delete it
    after the interpreter is gone, and crash on the way out."""
    app = QApplication.instance()
    if app is not None:
        data = QApplication.clipboard().mimeData()
        if data is not None and data.hasFormat(CLIPBOARD_MIME):
            QApplication.clipboard().clear()


class Editing(QObject):
    def __init__(self, document: Document, scene: GraphScene, view: CanvasView, actions: Actions, say: Say) -> None:
        super().__init__(scene)
        self.document, self.scene, self.view, self.say = document, scene, view, say
        sp, key = QStyle.StandardPixmap, QKeySequence.StandardKey
        self.act_cut = actions.add("Cut", self.cut, key.Cut)
        self.act_copy = actions.add("Copy", self.copy, key.Copy)
        self.act_paste = actions.add("Paste", self.paste, key.Paste)
        self.act_duplicate = actions.add("Duplicate", self.duplicate, "Ctrl+D")
        self.act_delete = actions.add("Delete", self.delete_selection, ["Delete", "Backspace"], sp.SP_TrashIcon)
        self.act_select_all = actions.add("Select All", self.select_all, key.SelectAll)
        self.act_layout = actions.add("Auto-layout", self.auto_layout, "Ctrl+L")

    def clipboard_actions(self) -> list[QAction]:
        return [self.act_cut, self.act_copy, self.act_paste, self.act_duplicate, self.act_delete]

    def add_block_at_centre(self, type_name: str) -> None:
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        block_id = self.document.add_block(type_name, centre.x() - 100, centre.y() - 40)
        if block_id:
            self.scene.select_blocks([block_id])

    def delete_selection(self) -> None:
        self.document.delete(self.scene.selected_block_ids(), self.scene.selected_links())

    def select_all(self) -> None:
        for item in self.scene.blocks.values():
            item.setSelected(True)

    def copy(self) -> None:
        ids = self.scene.selected_block_ids()
        if not ids:
            return
        text = copy_group(self.document.graph, ids)
        data = QMimeData()
        data.setData(CLIPBOARD_MIME, QByteArray(text.encode("utf-8")))
        data.setText(text)
        QApplication.clipboard().setMimeData(data)

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self) -> None:
        data = QApplication.clipboard().mimeData()
        if data is None:
            return
        text = (
            bytes(data.data(CLIPBOARD_MIME).data()).decode("utf-8") if data.hasFormat(CLIPBOARD_MIME) else data.text()
        )
        self._paste_text(text)

    def duplicate(self) -> None:
        ids = self.scene.selected_block_ids()
        if ids:
            self._paste_text(copy_group(self.document.graph, ids))

    def _paste_text(self, text: str) -> None:
        try:
            blocks, links = paste_group(text)
        except ProjectError as exc:
            self.say(f"Nothing to paste: the clipboard {exc.message}", 6000)
            return
        new_ids = self.document.paste(blocks, links, PASTE_OFFSET)
        self.scene.select_blocks(new_ids)

    def auto_layout(self) -> None:
        self.document.auto_layout()
        self.view.zoom_to_fit()
