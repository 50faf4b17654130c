"""The window's group edits: Group, Ungroup, Open Group and Close Group (double-click and the
breadcrumb do the same), each one undo step."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from playground.ui.actions import Actions, Say
from playground.ui.canvas.scene import GraphScene
from playground.ui.document import Document


class GroupEditing(QObject):
    def __init__(self, document: Document, scene: GraphScene, actions: Actions, say: Say) -> None:
        super().__init__(scene)
        self.document, self.scene, self.say = document, scene, say
        self.act_group = actions.add("Group", self.group_selection, "Ctrl+G", name="group")
        self.act_ungroup = actions.add("Ungroup", self.ungroup_selection, "Ctrl+Shift+G", name="ungroup")
        self.act_open_group = actions.add("Open Group", self.open_selected_group, "Ctrl+Down", name="open_group")
        self.act_close_group = actions.add("Close Group", self.close_group, "Ctrl+Up", name="close_group")

    def actions(self) -> list[QAction]:
        return [self.act_group, self.act_ungroup, self.act_open_group, self.act_close_group]

    def group_selection(self) -> None:
        ids = self.scene.selected_block_ids()
        if not ids:
            self.say("Select the blocks to group first (drag a box around them)", 6000)
            return
        group_id = self.document.group(ids)
        if group_id:
            self.scene.select_blocks([group_id])
            self.say(f"Grouped {len(ids)} blocks as '{group_id}': double-click to open it", 6000)

    def ungroup_selection(self) -> None:
        groups = [b for b in self.scene.selected_block_ids() if self.document.graph.blocks[b].graph is not None]
        if not groups:
            self.say("Select a group to ungroup", 6000)
            return
        with self.document.macro(f"Ungroup {', '.join(groups)}"):
            freed = [b for group_id in groups for b in self.document.ungroup(group_id)]
        self.scene.select_blocks(freed)

    def open_selected_group(self) -> None:
        ids = self.scene.selected_block_ids()
        if len(ids) != 1 or not self.document.open_group(ids[0]):
            self.say("Select one group to open (or double-click it)", 6000)

    def close_group(self) -> None:
        if self.document.level:
            left = self.document.level[-1]
            self.document.enter(self.document.level[:-1])
            self.scene.select_blocks([left])
