"""Fields, keys and menus as a student uses them: Return goes back to the canvas and Space plays, Esc
cancels, bad values are explained where they are typed, sizes may be auto, blocks have a right-click menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSpinBox,
)

from playground.core.graph import Link
from playground.ui.forms import AutoSpinBox, FloatSpinBox, WordSpinBox
from tests.ui.conftest import click_block, view_point
from tests.ui.test_canvas import add_from_palette, wire
from tests.ui.test_training import FIRST, pause, play_until, wait_ready

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def type_into(qtbot, line: QLineEdit, text: str, finish=Qt.Key.Key_Return) -> None:
    """Click into a field and type, as a person does (offscreen Qt does not move the focus on a click)."""
    qtbot.waitUntil(line.isVisible)  # a new block's editors are shown on the next pass of the event loop
    qtbot.mouseClick(line, LEFT)
    field = line.parent() if isinstance(line.parent(), QSpinBox) else line
    field.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(line, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(line, text)
    if finish is not None:
        qtbot.keyClick(line, finish)


def test_return_commits_gives_the_canvas_the_keyboard_and_space_then_plays(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    wait_ready(qtbot, window, FIRST)
    editor = window.training.controls.settings.training_editors["batch_size"]
    type_into(qtbot, editor.lineEdit(), "64")
    assert window.document.project.training.batch_size == 64
    qtbot.waitUntil(lambda: window.view.hasFocus())
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.state == "running", timeout=FIRST)
    assert editor.value() == 64  # Space did not go into the field
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    wait_ready(qtbot, window)


def test_space_plays_from_a_button_or_checkbox_but_types_in_a_text_field(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    wait_ready(qtbot, window, FIRST)
    toggle = window.training.controls.show_units
    toggle.setFocus()
    checked = toggle.isChecked()
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.state == "running", timeout=FIRST)
    assert toggle.isChecked() == checked  # Space played instead of toggling the box
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    wait_ready(qtbot, window)
    window.findChild(QDockWidget, "notesDock").raise_()
    notes = window.notes.editor
    qtbot.mouseClick(notes.viewport(), LEFT)
    qtbot.keyClicks(notes, "a b")
    assert "a b" in notes.toPlainText() and window.session.state == "ready"


def test_esc_cancels_an_edit(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    click_block(qtbot, window, "linear_1")
    editor = window.inspector.findChild(QSpinBox, "param_out_features")
    before = editor.value()
    type_into(qtbot, editor.lineEdit(), "99", finish=Qt.Key.Key_Escape)
    assert window.document.graph.blocks["linear_1"].params["out_features"] == before
    assert editor.value() == before and editor.text() == str(before) and not window.document.modified
    assert window.view.hasFocus()


def test_an_invalid_shape_is_explained_as_it_is_typed_and_the_valid_value_stays(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    click_block(qtbot, window, "input_1")
    line = window.inspector.findChild(QLineEdit, "param_shape")
    message = window.inspector.field_error
    type_into(qtbot, line, "abc, -3", finish=None)
    assert message.isVisible() and message.text().startswith("shape:") and "'abc'" in message.text()
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert window.document.graph.blocks["input_1"].params["shape"] == [2]
    assert message.isVisible() and message.text().endswith("; it stays 2")
    assert line.text() == "2" and not window.document.modified
    type_into(qtbot, line, "2")
    assert not message.isVisible()


def test_an_input_reading_a_field_the_dataset_lacks_is_told_at_once(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    wait_ready(qtbot, window, FIRST)  # the worker has read the dataset: it gives x and y
    assert set(window.inspector.fields) >= {"x", "y"}
    click_block(qtbot, window, "input_1")
    combo = window.inspector.findChild(QComboBox, "param_data")
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered[:2] == ["x", "y"] and "noise" in offered and combo.currentText() == "x"
    type_into(qtbot, combo.lineEdit(), "zzz")
    message = window.inspector.field_error
    assert message.isVisible() and "the dataset gives no field 'zzz'" in message.text() and "x" in message.text()
    assert window.document.graph.blocks["input_1"].params.get("data", "x") == "x"


def test_new_blocks_size_themselves_from_the_wire(qtbot, window, drop_at) -> None:
    add_from_palette(window, drop_at, "input", QPoint(120, 200))
    add_from_palette(window, drop_at, "linear", QPoint(420, 200))
    graph = window.document.graph
    assert graph.blocks["linear_1"].params["in_features"] == "auto"
    wire(window, "input_1", "linear_1")
    click_block(qtbot, window, "linear_1")
    editor = window.inspector.findChild(AutoSpinBox, "param_in_features")
    size = window.document.analysis.params["linear_1"]["in_features"]
    assert editor.text() == f"auto ({size})"
    assert window.scene.blocks["linear_1"].detail.startswith(f"in {size} ")  # the block shows the inferred size
    type_into(qtbot, editor.lineEdit(), "5")
    assert graph.blocks["linear_1"].params["in_features"] == 5
    type_into(qtbot, editor.lineEdit(), "auto")
    assert graph.blocks["linear_1"].params["in_features"] == "auto"
    assert Link("input_1", 0, "linear_1", 0) in graph.links


def test_clicking_a_block_shows_the_inspector_over_the_notes(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    notes = window.findChild(QDockWidget, "notesDock")
    inspector = window.findChild(QDockWidget, "inspectorDock")
    notes.raise_()
    qtbot.waitUntil(lambda: notes.visibleRegion().isEmpty() is False)
    click_block(qtbot, window, "linear_1")
    qtbot.waitUntil(lambda: not inspector.visibleRegion().isEmpty())
    assert window.inspector.block_id == "linear_1"


def run_block_menu(qtbot, window, block_id: str, choice: str) -> None:
    """Right-click a block and pick ``choice`` from its menu, as the mouse would."""

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu) and menu.objectName() == "blockMenu"
        (action,) = [a for a in menu.actions() if a.text() == choice]
        menu.setActiveAction(action)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(100, pick)
    window.view.setFocus()
    pos = view_point(window, window.scene.blocks[block_id].scenePos() + QPointF(24, 14))  # its header
    viewport = window.view.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos)))


def test_the_block_menu_renames_disconnects_duplicates_and_deletes(qtbot, window, spiral, monkeypatch) -> None:
    assert window.files.open_path(spiral)
    graph = window.document.graph
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("hidden", True))
    run_block_menu(qtbot, window, "linear_2", "Rename…")
    assert "hidden" in graph.blocks and "linear_2" not in graph.blocks
    assert any(link.dst == "hidden" for link in graph.links) and window.scene.selected_block_ids() == ["hidden"]
    assert window.document.undo_stack.undoText() == "Rename linear_2 to hidden"
    run_block_menu(qtbot, window, "hidden", "Disconnect all wires")
    assert not graph.links_of(["hidden"])
    run_block_menu(qtbot, window, "hidden", "Duplicate")
    assert len([b for b in graph.blocks.values() if b.type == "linear"]) == 4
    run_block_menu(qtbot, window, "hidden", "Delete")
    assert "hidden" not in graph.blocks
    stack = window.document.undo_stack
    assert [stack.text(i) for i in range(stack.count())] == [
        "Rename linear_2 to hidden",
        "Disconnect hidden (2 wires)",
        "Paste",
        "Delete 1 block",
    ]
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window and window.view.hasFocus())
    for left in (3, 2, 1, 0):
        qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
        assert stack.index() == left
    assert "linear_2" in graph.blocks and graph.links_of(["linear_2"])


def test_what_this_block_does(qtbot, window, spiral, dialogs) -> None:
    assert window.files.open_path(spiral)
    run_block_menu(qtbot, window, "linear_1", "What does this block do?")
    shown = dialogs.asked
    assert shown and "weight matrix" in shown[0] and "out_features" in shown[0]


def test_the_undo_text_counts_every_wire_removed(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    click_block(qtbot, window, "tanh_1")
    click_block(qtbot, window, "linear_2", Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert window.document.undo_stack.undoText() == "Delete 2 blocks and 3 wires"


def test_browse_stores_the_data_file_relative_to_the_project(qtbot, window, tmp_path, monkeypatch) -> None:
    from playground.core.project_types import DatasetRef, Project
    from playground.core.project_write import save

    (tmp_path / "data").mkdir()
    table = tmp_path / "data" / "points.csv"
    table.write_text("a,b,label\n1,2,0\n3,4,1\n")
    project = Project(dataset=DatasetRef("csv", {"path": ""}))
    save(project, tmp_path / "mine.json")
    assert window.files.open_path(tmp_path / "mine.json")
    form = window.training.controls.settings
    qtbot.waitUntil(lambda: "path" in form.dataset_editors, timeout=FIRST)  # once the worker lists datasets
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(table), "CSV tables (*.csv)"))
    button = form.findChild(type(window.training.transport.play_button), "browseDataset")
    qtbot.mouseClick(button, LEFT)
    assert window.document.project.dataset.params["path"] == "data/points.csv"
    assert form.dataset_editors["path"].text() == "data/points.csv"


def wheel(widget, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_a_blocks_plots_scrolls_the_inspector(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    wait_ready(qtbot, window, FIRST)
    click_block(qtbot, window, "linear_1")
    plot = window.block_view.weight_plot
    qtbot.waitUntil(lambda: plot.isVisible() and window.block_view.weight_item.xData is not None, timeout=FIRST)
    bar = window.inspector.scroller.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)
    box = plot.getPlotItem().getViewBox()
    before = box.viewRange()
    wheel(plot.viewport())
    assert bar.value() > 0 and box.viewRange() == before
    scrolled = bar.value()
    wheel(plot.viewport(), Qt.KeyboardModifier.ControlModifier)
    zoomed = box.viewRange()
    assert bar.value() == scrolled and zoomed[0] != before[0]
    play_until(qtbot, window, 200)  # new figures arrive while it trains ...
    pause(qtbot, window)
    assert box.viewRange()[0] == zoomed[0]  # ... and do not undo the zoom


def test_small_numbers_show_their_digits_and_an_arrow_steps_by_the_leading_one(qtbot, window, drop_at) -> None:
    block = add_from_palette(window, drop_at, "batch_norm2d", QPoint(300, 200))
    click_block(qtbot, window, block)
    eps = window.inspector.findChild(FloatSpinBox, "param_eps")
    qtbot.waitUntil(eps.isVisible)
    assert eps.text() == "1e-05"  # not 0.0000
    eps.setFocus()
    qtbot.keyClick(eps, Qt.Key.Key_Up)
    assert window.document.graph.blocks[block].params["eps"] == pytest.approx(2e-5)
    qtbot.keyClick(eps, Qt.Key.Key_Down)
    qtbot.keyClick(eps, Qt.Key.Key_Down)
    assert window.document.graph.blocks[block].params["eps"] == pytest.approx(9e-6)
    type_into(qtbot, eps.lineEdit(), "1e-3")
    assert window.document.graph.blocks[block].params["eps"] == pytest.approx(1e-3) and eps.text() == "0.001"


def test_an_option_that_may_be_off_shows_none(qtbot, window, drop_at) -> None:
    block = add_from_palette(window, drop_at, "embedding", QPoint(300, 200))
    click_block(qtbot, window, block)
    editor = window.inspector.findChild(WordSpinBox, "param_padding_idx")
    qtbot.waitUntil(editor.isVisible)
    assert editor.text() == "none" and window.document.graph.blocks[block].params.get("padding_idx") is None
    type_into(qtbot, editor.lineEdit(), "0")
    assert window.document.graph.blocks[block].params["padding_idx"] == 0
    type_into(qtbot, editor.lineEdit(), "none")
    assert window.document.graph.blocks[block].params["padding_idx"] is None


def test_a_kernel_per_axis_or_a_padding_word_is_typed_in_one_field(qtbot, window, drop_at) -> None:
    block = add_from_palette(window, drop_at, "conv2d", QPoint(300, 200))
    click_block(qtbot, window, block)
    kernel = window.inspector.findChild(QLineEdit, "param_kernel_size")
    type_into(qtbot, kernel, "3, 5")
    padding = window.inspector.findChild(QLineEdit, "param_padding")
    type_into(qtbot, padding, "same")
    params = window.document.graph.blocks[block].params
    assert params["kernel_size"] == [3, 5] and params["padding"] == "same"
    type_into(qtbot, padding, "middle")
    assert "or 'same' or 'valid'" in window.inspector.findChild(QLabel, "inspectorFieldError").text()
    assert params["padding"] == "same"  # the value stands until a valid one is typed


def test_the_wheel_over_a_setting_scrolls_the_settings_and_changes_nothing(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    form = window.training.controls.settings
    qtbot.waitUntil(lambda: "points" in form.dataset_editors, timeout=FIRST)
    bar = window.training.findChild(QScrollArea, "settingsScroll").verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)
    points, threads = form.dataset_editors["points"], window.training.controls.threads
    before = (points.value(), threads.currentIndex(), form.dataset.currentIndex())
    for field in (points, threads, form.dataset):
        assert field.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel does not give it the focus
        wheel(field)
    assert (points.value(), threads.currentIndex(), form.dataset.currentIndex()) == before
    assert bar.value() > 0 and not window.document.undo_stack.canUndo()
    points.setFocus()  # clicked into: the wheel is the field's
    qtbot.waitUntil(points.hasFocus)
    wheel(points)
    assert points.value() == before[0] - 1 or points.value() == before[0] + 1


def test_an_input_set_to_read_the_labels_is_refused_with_what_it_means(qtbot, window, spiral) -> None:
    """The Input's data dropdown offers y: a classifier reading its own labels trained to 100 %."""
    assert window.files.open_path(spiral)
    wait_ready(qtbot, window, FIRST)
    click_block(qtbot, window, "input_1")
    combo = window.inspector.findChild(QComboBox, "param_data")
    type_into(qtbot, combo.lineEdit(), "y")
    assert window.document.graph.blocks["input_1"].params["data"] == "y"
    qtbot.mouseClick(window.training.transport.play_button, Qt.MouseButton.LeftButton)
    message = window.training.transport.message
    qtbot.waitUntil(lambda: message.isVisible() and "reads 'y', the answers" in message.text(), timeout=FIRST)
    assert "copy them instead of learning" in message.text()
