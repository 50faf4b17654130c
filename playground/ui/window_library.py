"""My blocks in the window: save a group to the personal library, add a saved one to any project (dragged
from the palette, or double-clicked there), and remove one, each asked where a file would be replaced or
deleted."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from playground.core.graph import GROUP
from playground.core.library import Entry, entries, entry_path, read_entry, save_entry
from playground.core.reader import ProjectError
from playground.ui import plain
from playground.ui.actions import Actions, Say
from playground.ui.canvas.items import HEADER, WIDTH
from playground.ui.canvas.scene import GraphScene
from playground.ui.canvas.view import CanvasView
from playground.ui.document import Document
from playground.ui.palette import Palette
from playground.ui.storage import library_dir

Yes, No = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


class MyBlocks(QObject):
    """The palette's My blocks section, kept with the library folder; ``window`` parents the questions."""

    def __init__(
        self,
        window: QWidget,
        document: Document,
        scene: GraphScene,
        view: CanvasView,
        palette: Palette,
        actions: Actions,
        say: Say,
    ) -> None:
        super().__init__(window)
        self.window, self.document, self.scene = window, document, scene
        self.view, self.palette, self.say = view, palette, say
        self.act_save_to_library = actions.add(
            "Save Group to My Blocks…", self.save_group_to_library, name="save_to_library"
        )
        palette.chosen_entry.connect(self._add_entry_at_centre)
        palette.tree.remove_requested.connect(self.remove_library_entry)
        view.entry_dropped.connect(self.add_library_entry)
        self.refresh_library()

    def refresh_library(self) -> None:
        self.palette.tree.set_entries(entries(library_dir()))

    def save_group_to_library(self) -> None:
        """Ask for the name to keep the selected group under (its own, to begin with)."""
        ids = self.scene.selected_block_ids()
        if len(ids) != 1 or self.document.graph.blocks[ids[0]].type != GROUP:
            self.say("Select one group to save to My Blocks", 6000)
            return
        dialog = QInputDialog(self.window)
        dialog.setObjectName("library_name")
        dialog.setWindowTitle("Save to My Blocks")
        dialog.setLabelText("Name in My Blocks (it names the group wherever you drop it):")
        dialog.setTextValue(ids[0])
        dialog.textValueSelected.connect(lambda name: self._save_to_library(ids[0], name.strip()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _save_to_library(self, group_id: str, name: str) -> None:
        group = self.document.graph.blocks.get(group_id)
        if group is None:
            return  # removed (undone) while the dialog was open
        try:
            path = entry_path(library_dir(), name)
        except ValueError as exc:
            self.say(f"Not saved: {exc}", 8000)
            return
        if path.exists():
            asked = f"My Blocks already has '{name}'. Replace it with this group?\n\n{path}"
            if plain.ask(self.window, "Replace in My Blocks", asked, Yes | No, No) != Yes:
                self.say(f"Not saved: '{name}' in My Blocks is as it was", 6000)
                return
        try:
            save_entry(library_dir(), group, name)
        except OSError as exc:
            self.say(f"Not saved: {path} cannot be written ({exc.strerror or exc})", 8000)
            return
        except ProjectError as exc:  # an entry My blocks could not read back: nothing written
            self.say(f"Not saved: {exc}", 8000)
            return
        self.refresh_library()
        self.say(f"Saved '{name}' to My Blocks: drag it from the palette into any project", 8000)

    def add_library_entry(self, text: str, at: QPointF) -> None:
        """A saved group, dropped at ``at`` (centred there, as a dragged block lands)."""
        try:
            group = read_entry(text, "My blocks")
        except ProjectError as exc:
            self.say(f"Not added: {exc}", 8000)
            return
        block_id = self.document.add_saved_group(group, at.x() - WIDTH / 2, at.y() - HEADER / 2)
        if block_id:
            self.scene.select_blocks([block_id])

    def _add_entry_at_centre(self, text: str) -> None:
        self.add_library_entry(text, self.view.mapToScene(self.view.viewport().rect().center()))

    def remove_library_entry(self, entry: Entry) -> None:
        asked = f"Remove '{entry.name}' from My Blocks? Its file is deleted:\n\n{entry.path}"
        if plain.ask(self.window, "Remove from My Blocks", asked, Yes | No, No) != Yes:
            return
        try:
            entry.path.unlink(missing_ok=True)
        except OSError as exc:
            self.say(f"Not removed: {entry.path} ({exc.strerror or exc})", 8000)
            return
        self.refresh_library()
        self.say(f"Removed '{entry.name}' from My Blocks", 6000)
