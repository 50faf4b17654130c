"""A large level zoomed out has its wires drawn by one overview item (thousands of wires and ports cost a
call each per frame): they are hidden meanwhile, the blocks still select and open with a click, an edit
shows, and zooming back in gives the canvas its wires and ports again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainterPath

from playground.core.graph import Block, Link
from playground.core.layout import auto_layout
from playground.core.project_types import Project
from playground.core.project_write import save
from playground.ui.canvas.overview import FLOW_STEPS, OVERVIEW_BLOCKS
from playground.ui.canvas.view import READABLE_ZOOM
from tests.ui.conftest import LEFT, drag, view_point
from tests.ui.test_fields_and_keys import CTRL
from tests.ui.test_training import LATER, click, pause, play_until


def chain_project(path: Path, blocks: int) -> Path:
    """The spiral's points through a long chain of Tanh blocks between two Linear layers."""
    project = Project(title="A long chain")
    graph = project.graph
    graph.add_block(Block("input_1", "input", {"shape": [2]}))
    graph.add_block(Block("linear_1", "linear", {"in_features": 2, "out_features": 4}))
    graph.connect(Link("input_1", 0, "linear_1", 0))
    previous = "linear_1"
    for i in range(1, blocks - 3):
        graph.add_block(Block(f"tanh_{i}", "tanh"))
        graph.connect(Link(previous, 0, f"tanh_{i}", 0))
        previous = f"tanh_{i}"
    graph.add_block(Block("linear_2", "linear", {"in_features": 4, "out_features": 1}))
    graph.add_block(Block("output_1", "output"))
    graph.connect(Link(previous, 0, "linear_2", 0))
    graph.connect(Link("linear_2", 0, "output_1", 0))
    for block_id, (x, y) in auto_layout(graph).items():
        graph.move(block_id, x, y)
    save(project, path)
    return path


def centre_of(window, block_id: str):
    return view_point(window, window.scene.blocks[block_id].sceneBoundingRect().center())


def test_a_large_level_zoomed_out_is_one_overview_that_still_selects_and_follows_edits(qtbot, window, tmp_path):
    assert window.files.open_path(chain_project(tmp_path / "chain.json", OVERVIEW_BLOCKS + 100))
    qtbot.waitUntil(lambda: abs(window.view.zoom() - READABLE_ZOOM) < 1e-6)  # opened at its inputs, readable
    qtbot.keyClick(window.view, Qt.Key.Key_0, CTRL)  # Zoom to Fit
    qtbot.waitUntil(lambda: window.scene.overview.active)
    scene = window.scene
    assert not next(iter(scene.wires.values())).isVisible() and not scene.blocks["tanh_7"].inputs[0].isVisible()
    assert scene.overview.isVisible() and scene.blocks["tanh_7"].isVisible()

    qtbot.mouseClick(window.view.viewport(), LEFT, pos=centre_of(window, "tanh_7"))
    assert scene.selected_block_ids() == ["tanh_7"] and window.inspector.block_id == "tanh_7"
    qtbot.mouseClick(window.view.viewport(), LEFT, CTRL, centre_of(window, "tanh_8"))
    assert sorted(scene.selected_block_ids()) == ["tanh_7", "tanh_8"]

    qtbot.keyClick(window.view, Qt.Key.Key_G, CTRL)  # Group: the overview shows the new level
    (group_id,) = [b for b in window.document.graph.blocks if b.startswith("group")]
    assert not scene.blocks[group_id].outputs[0].isVisible()  # a block added meanwhile: its ports hidden too
    qtbot.waitUntil(lambda: not scene.overview.pending)
    wires, y = QPainterPath(scene.overview.path), window.document.graph.blocks[group_id].y
    drag(window.view.viewport(), centre_of(window, group_id), centre_of(window, group_id) + QPoint(0, 40))
    assert window.document.graph.blocks[group_id].y > y  # dragged at overview zoom
    qtbot.waitUntil(lambda: scene.overview.path != wires)  # and its wires follow
    qtbot.mouseDClick(window.view.viewport(), LEFT, pos=centre_of(window, group_id))
    assert window.document.level == [group_id]  # opened: a small level, its own items
    assert not scene.overview.active and all(w.isVisible() for w in scene.wires.values())

    qtbot.keyClick(window.view, Qt.Key.Key_Up, CTRL)
    qtbot.waitUntil(lambda: scene.overview.active)
    window.view.resetTransform()  # 100 %: the items again
    window.view.viewport().repaint()
    assert not scene.overview.active and scene.blocks["tanh_3"].outputs[0].isVisible()
    assert all(w.isVisible() for w in scene.wires.values())


def test_the_overview_shows_the_gradient_flow_while_training(qtbot, window, tmp_path) -> None:
    assert window.files.open_path(chain_project(tmp_path / "chain.json", OVERVIEW_BLOCKS + 50))
    qtbot.waitUntil(lambda: abs(window.view.zoom() - READABLE_ZOOM) < 1e-6)
    qtbot.keyClick(window.view, Qt.Key.Key_0, CTRL)
    qtbot.waitUntil(lambda: window.scene.overview.active)
    click(qtbot, window.training.controls.show_flow)
    play_until(qtbot, window, 5)
    qtbot.waitUntil(lambda: bool(window.scene.overview.flows), timeout=LATER)  # the wires, in shades of their flow
    assert max(window.scene.overview.flows) == FLOW_STEPS  # the largest gradient's wires: the hottest shade
    pause(qtbot, window)
    click(qtbot, window.training.controls.show_flow)
    qtbot.waitUntil(lambda: not window.scene.overview.flows)
