"""Groups in the window, with real input: select, Ctrl+G, double-click to open, edit inside, the
breadcrumb back up, Ctrl+Shift+G, and undo through all of it."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QToolButton

from playground.core.project import load
from playground.core.project_write import dumps
from tests.ui.conftest import LEFT, PRESETS, block_point, click_block
from tests.ui.test_fields_and_keys import CTRL
from tests.ui.test_training import LATER, click, play_until, wait_ready

SHIFT = Qt.KeyboardModifier.ShiftModifier


def group_hidden_layer(qtbot, window) -> str:
    click_block(qtbot, window, "linear_2")
    click_block(qtbot, window, "tanh_2", CTRL)
    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL)
    (group_id,) = set(window.document.graph.blocks) - set(load(window.document.path).graph.blocks)
    return group_id


def test_group_open_edit_inside_go_back_up_ungroup_and_undo(qtbot, window, spiral: Path) -> None:
    assert window.files.open_path(spiral)
    start = window.document.root.copy()
    parameters = window.document.root_analysis.total_params
    group_id = group_hidden_layer(qtbot, window)
    assert group_id == "group_1" and not {"linear_2", "tanh_2"} & set(window.document.graph.blocks)
    assert window.document.root_analysis.ok and window.document.root_analysis.total_params == parameters
    item = window.scene.blocks[group_id]
    assert item.detail == "2 blocks inside" and item.size_text == "72 params" and item.shape_text == "(N, 8)"
    assert not window.breadcrumb.isVisible()

    qtbot.mouseDClick(window.view.viewport(), LEFT, pos=block_point(window, group_id))
    assert window.document.level == [group_id]
    assert window.breadcrumb.isVisible()
    assert set(window.scene.blocks) == {"x", "linear_2", "tanh_2", "y"}
    assert window.scene.blocks["linear_2"].shape_text == "(N, 8)"

    click_block(qtbot, window, "tanh_2")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert "tanh_2" not in window.document.graph.blocks
    assert not window.document.root_analysis.ok  # the group's output is no longer fed

    qtbot.mouseClick(window.breadcrumb.findChild(QToolButton, "crumb_0"), LEFT)
    assert window.document.level == [] and group_id in window.scene.blocks
    assert window.scene.blocks[group_id].problems  # said on the group, outside

    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # undo the deletion: shown where it happened
    assert window.document.level == [group_id] and "tanh_2" in window.scene.blocks
    assert window.document.root_analysis.ok

    qtbot.keyClick(window.view, Qt.Key.Key_Up, CTRL)  # Close Group
    assert window.document.level == [] and window.scene.selected_block_ids() == [group_id]
    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL | SHIFT)
    assert {"linear_2", "tanh_2"} <= set(window.document.graph.blocks) and group_id not in window.document.graph.blocks
    assert set(window.scene.selected_block_ids()) == {"linear_2", "tanh_2"}

    for _ in range(2):  # ungroup, then group
        qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert window.document.level == [] and window.document.root == start
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert group_id in window.document.graph.blocks


def test_a_grouped_network_saves_and_opens_with_its_group(qtbot, window, spiral: Path, tmp_path: Path) -> None:
    assert window.files.open_path(spiral)
    group_id = group_hidden_layer(qtbot, window)
    target = tmp_path / "grouped.json"
    window.document.save(target)
    again = load(target)
    assert again.graph.blocks[group_id].graph.blocks.keys() == {"x", "linear_2", "tanh_2", "y"}
    assert again.graph == window.document.root


def test_grouping_nothing_or_a_loop_says_why_and_changes_nothing(qtbot, window, spiral: Path) -> None:
    assert window.files.open_path(spiral)
    before = dumps(window.document.project)
    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL)
    assert "Select the blocks to group first" in window.statusBar().currentMessage()
    click_block(qtbot, window, "linear_1")
    click_block(qtbot, window, "linear_2", CTRL)
    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL)
    assert "include 'tanh_1' too" in window.statusBar().currentMessage()
    assert dumps(window.document.project) == before


def test_an_edit_inside_a_group_is_an_edit_of_the_network_being_trained(qtbot, window, spiral: Path) -> None:
    assert window.files.open_path(spiral)
    panel = window.training
    group_id = group_hidden_layer(qtbot, window)
    wait_ready(qtbot, window)
    click(qtbot, panel.transport.restart_button)  # the run trains the grouped network
    qtbot.waitUntil(lambda: panel.last_progress is not None, timeout=LATER)
    play_until(qtbot, window, 20)
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=block_point(window, group_id))
    click_block(qtbot, window, "linear_2")
    click(qtbot, window.inspector.findChild(QCheckBox, "param_bias"))
    wait_ready(qtbot, window)
    assert panel.transport.banner.isVisible() and "the network" in panel.transport.banner_text.text()
    assert panel.trained_steps() == 0  # its weights are not this network's


def test_ungrouping_a_repeated_group_writes_out_its_copies_in_one_undo_step(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "resnet-digits.json")
    start, parameters = window.document.root.copy(), window.document.root_analysis.total_params
    click_block(qtbot, window, "stage1")
    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL | SHIFT)
    graph = window.document.graph
    assert "stage1" not in graph.blocks and sum(b.type == "conv2d" for b in graph.blocks.values()) == 5  # stem + 2×2
    assert window.document.root_analysis.ok and window.document.root_analysis.total_params == parameters
    assert len(window.scene.selected_block_ids()) == 14  # both copies' blocks
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert window.document.root == start and window.document.graph.blocks["stage1"].params["repeat"] == 2


def test_the_palette_lists_group_inputs_and_outputs_only_inside_a_group(qtbot, window, spiral: Path) -> None:
    assert window.files.open_path(spiral)
    items = window.palette_widget.tree.items
    assert items["group_input"].isHidden() and items["group_output"].isHidden() and not items["group"].isHidden()
    group_id = group_hidden_layer(qtbot, window)
    qtbot.mouseDClick(window.view.viewport(), LEFT, pos=block_point(window, group_id))
    assert not items["group_input"].isHidden() and not items["group_output"].isHidden()
    qtbot.keyClicks(window.palette_widget.search, "group")
    assert not items["group_output"].isHidden()
    qtbot.keyClick(window.view, Qt.Key.Key_Up, CTRL)
    assert items["group_output"].isHidden() and not items["group"].isHidden()
