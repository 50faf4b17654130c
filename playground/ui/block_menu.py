"""The right-click menu of a block on the canvas: delete, duplicate, disconnect, rename, save a group to
My blocks, what it does."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from playground.core.graph import GROUP
from playground.core.registry import get_spec
from playground.ui import plain
from playground.ui.canvas.scene import GraphScene
from playground.ui.document import Document


def describe(document: Document, block_id: str) -> str:
    """What a block does, its parameters and what each means, as plain text."""
    block = document.graph.blocks[block_id]
    spec = get_spec(block.type)
    if spec is None:
        return f"{block.type} is not a block type this Playground knows."
    params = document.analysis.params.get(block_id, {})
    rows = [
        f"• {p.name} = {block.params.get(p.name, params.get(p.name, p.default))}"
        f"{' (' + str(params[p.name]) + ')' if block.params.get(p.name) == 'auto' and p.name in params else ''}"
        f": {p.doc}"
        for p in spec.params
    ]
    return "\n\n".join([f"{spec.title} · {block_id}", spec.description, *(["\n".join(rows)] if rows else [])])


class BlockMenu(QMenu):
    """``duplicate`` and ``save_to_library`` act on the scene's selection, which the menu first makes
    this block."""

    def __init__(
        self,
        document: Document,
        block_id: str,
        window: QWidget,
        scene: GraphScene,
        duplicate: Callable[[], None],
        save_to_library: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.setObjectName("blockMenu")
        self.document, self.block_id, self.window_, self.scene = document, block_id, window, scene
        self.save_to_library = save_to_library
        self.addAction("Delete", self._delete)
        self.addAction("Duplicate", duplicate)
        disconnect = self.addAction("Disconnect all wires", lambda: document.disconnect_all(block_id))
        disconnect.setEnabled(bool(document.graph.links_of([block_id])))
        self.addAction("Rename…", self._rename)
        if document.graph.blocks[block_id].type == GROUP:
            self.addAction("Save to My Blocks…", self._save_to_library)
        if not document.level:  # presentation follows a block of the top level
            follow = self.addAction("Follow in Presentation")
            follow.setObjectName("follow_in_presentation")
            follow.setCheckable(True)
            follow.setChecked(document.project.stage.follow == block_id)
            follow.toggled.connect(self._follow)
            follow.setToolTip("Presentation mode shows this block's feature maps, filters or attention map")
        self.addSeparator()
        self.addAction("What does this block do?", self._explain)

    def _follow(self, on: bool) -> None:
        stage = self.document.project.stage
        self.document.set_stage(dataclasses.replace(stage, follow=self.block_id if on else ""))

    def _delete(self) -> None:
        self.document.delete([self.block_id], [])

    def _save_to_library(self) -> None:
        self.scene.select_blocks([self.block_id])
        self.save_to_library()

    def _rename(self) -> None:
        new, ok = QInputDialog.getText(
            self.window_, "Rename block", "New id (names its module and weights):", text=self.block_id
        )
        if ok and new.strip() and new.strip() != self.block_id and self.document.rename(self.block_id, new.strip()):
            self.scene.select_blocks([new.strip()])

    def _explain(self) -> None:
        plain.inform(self.window_, "What this block does", describe(self.document, self.block_id))
