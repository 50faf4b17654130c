"""The window's group edits: Group, Ungroup, Open Group and Close Group (double-click and the
breadcrumb do the same), each one undo step."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.ui.breadcrumb import Breadcrumb


class GroupEditing:
    """Mixed into MainWindow: needs its document, scene, view and ``_action``."""

    def _canvas_with_breadcrumb(self) -> QWidget:
        self.breadcrumb = Breadcrumb(self.document)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.breadcrumb)
        column.addWidget(self.view, 1)
        # once the breadcrumb, shown or hidden, has resized the canvas
        self.document.level_changed.connect(lambda: QTimer.singleShot(0, self.view.zoom_to_fit))
        return holder

    def _group_actions(self) -> None:
        self.act_group = self.action_registry.add("Group", self.group_selection, "Ctrl+G", name="group")
        self.act_ungroup = self.action_registry.add("Ungroup", self.ungroup_selection, "Ctrl+Shift+G", name="ungroup")
        self.act_open_group = self.action_registry.add(
            "Open Group", self.open_selected_group, "Ctrl+Down", name="open_group"
        )
        self.act_close_group = self.action_registry.add("Close Group", self.close_group, "Ctrl+Up", name="close_group")

    def group_actions(self) -> list:
        return [self.act_group, self.act_ungroup, self.act_open_group, self.act_close_group]

    def group_selection(self) -> None:
        ids = self.scene.selected_block_ids()
        if not ids:
            self.statusBar().showMessage("Select the blocks to group first (drag a box around them)", 6000)
            return
        group_id = self.document.group(ids)
        if group_id:
            self.scene.select_blocks([group_id])
            self.statusBar().showMessage(f"Grouped {len(ids)} blocks as '{group_id}': double-click to open it", 6000)

    def ungroup_selection(self) -> None:
        groups = [b for b in self.scene.selected_block_ids() if self.document.graph.blocks[b].graph is not None]
        if not groups:
            self.statusBar().showMessage("Select a group to ungroup", 6000)
            return
        with self.document.macro(f"Ungroup {', '.join(groups)}"):
            freed = [b for group_id in groups for b in self.document.ungroup(group_id)]
        self.scene.select_blocks(freed)

    def open_selected_group(self) -> None:
        ids = self.scene.selected_block_ids()
        if len(ids) != 1 or not self.document.open_group(ids[0]):
            self.statusBar().showMessage("Select one group to open (or double-click it)", 6000)

    def close_group(self) -> None:
        if self.document.level:
            left = self.document.level[-1]
            self.document.enter(self.document.level[:-1])
            self.scene.select_blocks([left])
