"""The canvas driven like a student would: mouse drags, clicks and keys on the real widgets."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QSpinBox

from playground.core.graph import Link
from playground.ui.canvas.view import READABLE_ZOOM
from tests.ui.conftest import PRESETS, block_point, click_block, drag, port_point, view_point

CTRL = Qt.KeyboardModifier.ControlModifier


def add_from_palette(window, drop_at, type_name: str, target: QPoint) -> str:
    tree = window.palette_widget.tree
    item = tree.items[type_name]
    tree.scrollToItem(item)
    start = tree.visualItemRect(item).center()
    drop_at.widget, drop_at.target = window.view.viewport(), target
    before = set(window.document.graph.blocks)
    drag(tree.viewport(), start, start + QPoint(80, 0))
    (new,) = set(window.document.graph.blocks) - before
    return new


def wire(window, src: str, dst: str, dst_port: int = 0) -> None:
    drag(window.view.viewport(), port_point(window, src, 0, True), port_point(window, dst, dst_port, False))


def build_mlp(window, drop_at) -> None:
    for type_name, target in (
        ("input", QPoint(120, 140)),
        ("linear", QPoint(340, 300)),
        ("relu", QPoint(560, 140)),
        ("output", QPoint(760, 300)),
    ):
        add_from_palette(window, drop_at, type_name, target)
    wire(window, "input_1", "linear_1")
    wire(window, "linear_1", "relu_1")
    wire(window, "relu_1", "output_1")


def test_a_block_dragged_from_the_palette_lands_under_the_mouse(qtbot, window, drop_at) -> None:
    target = QPoint(300, 250)
    assert add_from_palette(window, drop_at, "linear", target) == "linear_1"
    assert drop_at.started == 1
    item = window.scene.blocks["linear_1"]
    centre = view_point(window, item.sceneBoundingRect().center())
    assert abs(centre.x() - target.x()) < 30 and abs(centre.y() - target.y()) < 40
    assert item.isSelected() and window.inspector.block_id == "linear_1"


def test_build_edit_undo_and_redo_an_mlp_with_the_mouse_and_keyboard(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    graph = window.document.graph
    assert sorted(graph.links) == sorted(
        [Link("input_1", 0, "linear_1", 0), Link("linear_1", 0, "relu_1", 0), Link("relu_1", 0, "output_1", 0)]
    )
    assert window.document.analysis.ok
    assert window.scene.wires[Link("linear_1", 0, "relu_1", 0)].label == "(N, 8)"

    click_block(qtbot, window, "linear_1")
    editor = window.inspector.findChild(QSpinBox, "param_out_features")
    qtbot.mouseDClick(editor.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(editor.lineEdit(), "16")
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    assert graph.blocks["linear_1"].params["out_features"] == 16
    assert window.scene.wires[Link("linear_1", 0, "relu_1", 0)].label == "(N, 16)"
    assert window.scene.wires[Link("relu_1", 0, "output_1", 0)].label == "(N, 16)"
    assert window.isWindowModified()

    built = graph.copy()
    window.view.setFocus()
    steps = 0
    while window.document.undo_stack.canUndo():
        qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
        steps += 1
        assert steps < 50
    assert steps == 8  # four drops, three wires, one parameter
    assert not window.document.graph.blocks and not window.scene.items()
    while window.document.undo_stack.canRedo():
        qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.graph == built
    assert set(window.scene.blocks) == set(built.blocks) and set(window.scene.wires) == set(built.links)


def test_a_second_wire_into_an_input_replaces_the_first_and_bad_targets_get_a_hint(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    wire(window, "input_1", "relu_1")
    graph = window.document.graph
    assert graph.link_into("relu_1", 0) == Link("input_1", 0, "relu_1", 0)
    assert Link("linear_1", 0, "relu_1", 0) not in graph.links
    before = graph.copy()
    drag(window.view.viewport(), port_point(window, "linear_1", 0, True), port_point(window, "relu_1", 0, True))
    assert graph == before
    assert "Drag from an output port" in window.statusBar().currentMessage()
    drag(window.view.viewport(), port_point(window, "relu_1", 0, True), port_point(window, "input_1", 0, True))
    assert graph == before


def test_delete_with_the_keyboard_takes_the_wires_along(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    click_block(qtbot, window, "relu_1")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    graph = window.document.graph
    assert "relu_1" not in graph.blocks and "relu_1" not in window.scene.blocks
    assert all("relu_1" not in (link.src, link.dst) for link in graph.links)
    click_block(qtbot, window, "linear_1")
    qtbot.keyClick(window.view, Qt.Key.Key_Backspace)
    assert set(graph.blocks) == {"input_1", "output_1"}


def test_copy_paste_and_duplicate_keep_the_wire_between_two_blocks(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    click_block(qtbot, window, "linear_1")
    click_block(qtbot, window, "relu_1", CTRL)
    assert sorted(window.scene.selected_block_ids()) == ["linear_1", "relu_1"]
    qtbot.keyClick(window.view, Qt.Key.Key_C, CTRL)
    qtbot.keyClick(window.view, Qt.Key.Key_V, CTRL)
    graph = window.document.graph
    assert {"linear_2", "relu_2"} <= set(graph.blocks)
    assert Link("linear_2", 0, "relu_2", 0) in graph.links
    assert graph.link_into("linear_2", 0) is None
    assert sorted(window.scene.selected_block_ids()) == ["linear_2", "relu_2"]
    qtbot.keyClick(window.view, Qt.Key.Key_D, CTRL)
    assert Link("linear_3", 0, "relu_3", 0) in graph.links


def test_moving_blocks_with_the_mouse_and_arrow_keys_is_undoable(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    graph = window.document.graph
    start = (graph.blocks["relu_1"].x, graph.blocks["relu_1"].y)
    point = block_point(window, "relu_1")
    drag(window.view.viewport(), point, point + QPoint(0, 120))
    assert graph.blocks["relu_1"].y == start[1] + 120 and graph.blocks["relu_1"].x == start[0]
    wire_path = window.scene.wires[Link("relu_1", 0, "output_1", 0)].path()
    assert abs(wire_path.pointAtPercent(0).y() - window.scene.blocks["relu_1"].port_position(0, True).y()) < 1
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert graph.blocks["relu_1"].x == start[0] + 30
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # the three nudges are one step
    assert graph.blocks["relu_1"].x == start[0]
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # the drag is one step
    assert (graph.blocks["relu_1"].x, graph.blocks["relu_1"].y) == start


def test_rubber_band_selects_and_problems_show_on_the_block(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    drag(window.view.viewport(), QPoint(5, 5), QPoint(window.view.viewport().width() - 5, 200))
    assert sorted(window.scene.selected_block_ids()) == ["input_1", "relu_1"]
    click_block(qtbot, window, "linear_1")
    editor = window.inspector.findChild(QSpinBox, "param_in_features")
    qtbot.mouseDClick(editor.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(editor.lineEdit(), "5")
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    item = window.scene.blocks["linear_1"]
    assert item.problems == ["Linear 'linear_1' expects 5 input features but receives 2: set in_features to 2"]
    assert "expects 5 input features" in item.toolTip()
    assert window.inspector.problems.isVisible() and "set in_features to 2" in window.inspector.problems.text()
    assert "1 problem" in window.stats.text()


def test_wheel_zooms_around_the_cursor_and_middle_drag_pans(qtbot, window, drop_at) -> None:
    build_mlp(window, drop_at)
    view = window.view
    anchor = block_point(window, "linear_1")
    scene_anchor = view.mapToScene(anchor)
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    event = QWheelEvent(
        QPointF(anchor),
        QPointF(view.viewport().mapToGlobal(anchor)),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(view.viewport(), event)
    assert abs(view.zoom() - 1.15**2) < 1e-6
    after = view.mapToScene(anchor)
    assert abs(after.x() - scene_anchor.x()) < 3 and abs(after.y() - scene_anchor.y()) < 3
    h, v = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    drag(view.viewport(), QPoint(400, 300), QPoint(300, 250), button=Qt.MouseButton.MiddleButton)
    assert view.horizontalScrollBar().value() == h + 100 and view.verticalScrollBar().value() == v + 50
    qtbot.keyClick(view, Qt.Key.Key_0, CTRL)
    rect = view.mapToScene(view.viewport().rect()).boundingRect()
    assert rect.contains(window.scene.itemsBoundingRect())


def test_a_wire_back_to_the_next_row_runs_along_the_gap_between_the_rows() -> None:
    from PySide6.QtCore import QPointF

    from playground.ui.canvas.wires import wire_path

    start, end = QPointF(900, 0), QPointF(0, 240)  # the end of one row, the start of the next
    path = wire_path(start, end)
    points = [path.pointAtPercent(i / 200) for i in range(201)]
    assert points[0] == start and points[-1] == end
    assert abs(path.pointAtPercent(0.5).y() - 120) < 1e-6, "the middle runs halfway between the rows"
    inside = [p for p in points if 30 < p.x() < 870]
    assert inside and all(abs(p.y() - 120) < 1e-6 for p in inside), "never across the blocks of either row"
    assert min(p.x() for p in points) >= -25 and max(p.x() for p in points) <= 925
    forward = wire_path(QPointF(0, 0), QPointF(200, 40))
    assert forward.boundingRect().top() >= 0 and forward.boundingRect().bottom() <= 40, "a wire ahead stays an S"


def test_a_large_network_opens_readable_at_its_inputs_and_ctrl_0_fits_it(qtbot, window) -> None:
    """lenet-mnist's 14 blocks fitted into a small canvas were drawn as blank boxes (zoom 0.38)."""
    window.resize(1280, 720)
    assert window.files.open_path(PRESETS / "lenet-mnist.json")
    view = window.view
    qtbot.waitUntil(lambda: abs(view.zoom() - READABLE_ZOOM) < 1e-6)  # not the 0.38 that fits it
    first = window.scene.blocks["input_1"].sceneBoundingRect()
    assert view.mapToScene(view.viewport().rect()).boundingRect().contains(first)  # the data flow's start
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() < READABLE_ZOOM  # Zoom to Fit shows the whole network, however small
