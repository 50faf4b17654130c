"""My blocks with real input: a group saved from its right-click menu, dragged from the palette into
another project, asked before an entry is replaced or removed; a damaged entry shown and kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMenu, QMessageBox

from playground.core.library import entries
from tests.ui.conftest import LEFT, drag
from tests.ui.test_fields_and_keys import CTRL, run_block_menu, type_into
from tests.ui.test_groups import group_hidden_layer

YES, NO, DISCARD = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Discard


def save_to_my_blocks(qtbot, window, group_id: str, name: str) -> None:
    """Right-click the group, Save to My Blocks…, type the name, Return."""
    run_block_menu(qtbot, window, group_id, "Save to My Blocks…")
    qtbot.waitUntil(lambda: window.findChild(QInputDialog, "library_name") is not None)
    dialog = window.findChild(QInputDialog, "library_name")
    line = dialog.findChild(QLineEdit)
    assert line.text() == group_id  # its own name, to begin with
    type_into(qtbot, line, name)
    qtbot.waitUntil(lambda: window.findChild(QInputDialog, "library_name") is None)


def drag_entry(window, drop_at, name: str, target: QPoint) -> set[str]:
    tree = window.palette_widget.tree
    item = tree.entries[name]
    tree.scrollToItem(item)
    start = tree.visualItemRect(item).center()
    drop_at.widget, drop_at.target = window.view.viewport(), target
    before = set(window.document.graph.blocks)
    drag(tree.viewport(), start, start + QPoint(80, 0))
    return set(window.document.graph.blocks) - before


def test_a_saved_group_is_dragged_from_my_blocks_into_another_project(qtbot, window, spiral, data_dir, drop_at):
    assert window.files.open_path(spiral)
    hint = window.palette_widget.tree.my_blocks.child(0)
    assert hint.text(0) == "No saved groups yet" and "Edit › Save Group to My Blocks" in hint.toolTip(0)
    group_id = group_hidden_layer(qtbot, window)
    inside = window.document.graph.blocks[group_id].graph.copy()
    save_to_my_blocks(qtbot, window, group_id, "hidden_layer")
    assert (data_dir / "blocks" / "hidden_layer.json").is_file()
    assert list(window.palette_widget.tree.entries) == ["hidden_layer"]
    assert "Saved 'hidden_layer' to My Blocks" in window.statusBar().currentMessage()

    window.files.act_new.trigger()  # another project (the spiral's edits discarded, as the test answers)
    assert not window.document.graph.blocks
    assert drag_entry(window, drop_at, "hidden_layer", QPoint(400, 300)) == {"hidden_layer"}
    dropped = window.document.graph.blocks["hidden_layer"]
    assert dropped.type == "group" and dropped.graph == inside
    assert window.scene.selected_block_ids() == ["hidden_layer"]
    assert window.scene.blocks["hidden_layer"].detail == "2 blocks inside"
    assert drag_entry(window, drop_at, "hidden_layer", QPoint(600, 420)) == {"hidden_layer_1"}  # taken: numbered
    assert window.document.undo_stack.undoText() == "Add hidden_layer_1 from My Blocks"
    window.activateWindow()
    qtbot.mouseClick(window.view.viewport(), LEFT, pos=QPoint(40, 40))  # the canvas has the keyboard
    qtbot.waitUntil(window.view.hasFocus)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert set(window.document.graph.blocks) == {"hidden_layer"}


def test_saving_under_a_name_taken_asks_and_no_keeps_the_saved_group(qtbot, window, spiral, data_dir, dialogs):
    assert window.files.open_path(spiral)
    group_id = group_hidden_layer(qtbot, window)
    save_to_my_blocks(qtbot, window, group_id, "layer")
    path = data_dir / "blocks" / "layer.json"
    first = path.read_text()
    window.document.set_param(group_id, "repeat", 2)  # the group changed since it was saved
    dialogs.answer = NO
    save_to_my_blocks(qtbot, window, group_id, "layer")
    assert dialogs.asked[-1].startswith("My Blocks already has 'layer'. Replace it with this group?")
    assert path.read_text() == first and "is as it was" in window.statusBar().currentMessage()
    dialogs.answer = YES
    save_to_my_blocks(qtbot, window, group_id, "layer")
    assert path.read_text() != first and entries(data_dir / "blocks")[0].block.params["repeat"] == 2

    save_to_my_blocks(qtbot, window, group_id, "Not an id")
    assert "is not a valid block id" in window.statusBar().currentMessage()
    assert [p.name for p in (data_dir / "blocks").iterdir()] == ["layer.json"]
    dialogs.answer = DISCARD  # the edits, when the test closes the window


@pytest.fixture
def damaged(data_dir: Path) -> Path:
    (data_dir / "blocks").mkdir(parents=True)
    path = data_dir / "blocks" / "broken.json"
    path.write_text('{"format": "playground-block", "graph": ')
    return path


def open_palette_menu(qtbot, window, name: str, choice: str) -> None:
    tree = window.palette_widget.tree

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu) and menu.objectName() == "myBlocksMenu"
        (action,) = [a for a in menu.actions() if a.text() == choice]
        menu.setActiveAction(action)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(100, pick)
    pos = tree.visualItemRect(tree.entries[name]).center()
    viewport = tree.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos)))
    qtbot.wait(200)


def test_a_damaged_entry_is_shown_greyed_with_its_problem_kept_and_removed_only_when_asked(
    qtbot, damaged, window, dialogs, drop_at
) -> None:
    item = window.palette_widget.tree.entries["broken"]
    assert not item.flags() & Qt.ItemFlag.ItemIsEnabled
    assert "broken.json: line 1, column 41: is not valid JSON" in item.toolTip(0)
    assert drag_entry(window, drop_at, "broken", QPoint(300, 300)) == set() and drop_at.started == 0
    dialogs.answer = NO
    open_palette_menu(qtbot, window, "broken", "Remove 'broken' from My Blocks…")
    assert damaged.is_file() and "Its file is deleted" in dialogs.asked[-1]
    dialogs.answer = YES
    open_palette_menu(qtbot, window, "broken", "Remove 'broken' from My Blocks…")
    assert not damaged.exists() and not window.palette_widget.tree.entries
    dialogs.answer = DISCARD
