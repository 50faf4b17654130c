"""Assignments in the window: the locks refuse every kind of edit made with the mouse and keys, the
goals tick as a run crosses them, and the instructor makes one from the File menu."""

from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from playground.core.commands import AddBlock
from playground.core.graph import Block, Link
from playground.core.locks import locked_parts
from playground.core.project import load
from playground.core.project_types import Assignment, Goal, Locks
from playground.core.project_write import save
from tests.assignments import ASSIGNMENTS, spiral_solution, write
from tests.ui.conftest import PRESETS, block_point, click_block, drag, port_point
from tests.ui.test_training import FIRST, click

CTRL = Qt.KeyboardModifier.ControlModifier
LOCKED = ("input_1", "linear_3", "output_1")


@pytest.fixture
def student(qtbot, window, tmp_path):
    """mlp-spiral handed out with its Input, last Linear and Output locked (and the wire between the
    last two), its dataset and epochs too."""
    project = load(PRESETS / "mlp-spiral.json")
    project.assignment = Assignment(
        "Make it wind.", Locks(LOCKED, ("dataset", "epochs"), ("compile",)), (Goal("val_accuracy", at_least=0.9),), 3000
    )
    path = tmp_path / "homework.json"
    save(project, path)
    assert window.files.open_path(path)
    return window


def kept(window) -> dict:
    project = window.document.project
    return locked_parts(project, project.assignment.locks, positions=True)


def said(window) -> str:
    return window.statusBar().currentMessage()


def test_a_locked_block_refuses_drag_delete_inspector_and_rewiring(qtbot, student):
    window = student
    before = kept(window)
    assert window.scene.blocks["output_1"].locked and not window.scene.blocks["tanh_1"].locked
    point = block_point(window, "output_1")
    drag(window.view.viewport(), point, point + QPoint(0, 150))
    assert kept(window) == before and "Locked by the assignment: the place of 'output_1'" in said(window)
    item = window.scene.blocks["output_1"]
    assert (item.x(), item.y()) == (
        window.document.graph.blocks["output_1"].x,
        window.document.graph.blocks["output_1"].y,
    )
    click_block(qtbot, window, "output_1")
    steps = window.document.undo_stack.count()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert "output_1" in window.document.graph.blocks and "output_1" in window.scene.blocks
    assert "Locked by the assignment" in said(window)
    assert window.document.undo_stack.count() == steps  # no "Undo Delete" left by the refused Delete
    assert not window.document.modified
    assert window.document.undo_stack.undoText() != "Delete 1 block"
    click_block(qtbot, window, "linear_3")
    inspector = window.inspector
    assert inspector.findChild(QLabel, "inspectorLocked").isVisible()
    out = inspector.editors["out_features"]
    assert not out.isEnabled()
    qtbot.keyClicks(out, "4")
    assert window.document.graph.blocks["linear_3"].params["out_features"] == 1
    drag(window.view.viewport(), port_point(window, "tanh_2", 0, True), port_point(window, "output_1", 0, False))
    assert Link("linear_3", 0, "output_1", 0) in window.document.graph.links
    assert kept(window) == before
    click_block(qtbot, window, "tanh_2")  # a free block is the student's: it moves
    point = block_point(window, "tanh_2")
    drag(window.view.viewport(), point, point + QPoint(0, 120))
    assert window.document.graph.blocks["tanh_2"].y != load(PRESETS / "mlp-spiral.json").graph.blocks["tanh_2"].y


def test_paste_over_a_locked_block_and_undo_leave_it_as_it_was(qtbot, student, tmp_path):
    window = student
    before = kept(window)
    click_block(qtbot, window, "linear_3")
    qtbot.keyClick(window.view, Qt.Key.Key_C, CTRL)
    click_block(qtbot, window, "output_1")
    qtbot.keyClick(window.view, Qt.Key.Key_V, CTRL)  # pasted beside it, as the student's own block
    assert "linear_4" in window.document.graph.blocks and kept(window) == before
    pasted = window.document.graph.blocks["linear_4"]
    where = (pasted.x, pasted.y)
    window.statusBar().clearMessage()
    qtbot.keyClick(window.view, Qt.Key.Key_L, CTRL)  # auto-layout places the student's blocks only
    assert kept(window) == before and "Locked" not in said(window) and (pasted.x, pasted.y) != where
    click_block(qtbot, window, "tanh_2")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)  # the student's block, wires to locked ones included
    assert "tanh_2" not in window.document.graph.blocks
    for _ in range(6):  # past the student's own edits: nothing from before the assignment opened
        qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert "tanh_2" in window.document.graph.blocks and "linear_4" not in window.document.graph.blocks
    assert kept(window) == before and not window.document.modified


def test_undo_does_not_reach_the_edits_made_before_the_assignment_opened(qtbot, window, spiral, tmp_path):
    assert window.files.open_path(spiral)
    click_block(qtbot, window, "linear_3")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)  # an edit of the project open before, left unsaved
    homework = write(spiral_solution(), tmp_path / "homework.json")
    assert window.files.open_path(homework)  # the unsaved edit discarded when asked
    before = kept(window)
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert kept(window) == before and "linear_3" in window.document.graph.blocks
    assert window.document.undo_stack.count() == 0 and not window.document.modified


def test_locked_settings_are_read_only_and_hidden_ones_not_shown(qtbot, student):
    window = student
    settings = window.training.controls.settings
    assert not settings.dataset.isEnabled() and not settings.training_editors["epochs"].isEnabled()
    assert (
        settings.training_editors["lr"].isEnabled()
        if "lr" in settings.training_editors
        else settings.lr_spin.isEnabled()
    )
    assert not settings.training_form.isRowVisible(settings.training_editors["compile"])
    window.document.set_training("epochs", 5)
    assert window.document.project.training.epochs == 400 and "Locked by the assignment: epochs" in said(window)
    assert window.training.curves.isVisible()
    hidden = dataclasses.replace(window.document.project.assignment.locks, hidden=("curves", "lr"))
    window.document.set_assignment(dataclasses.replace(window.document.project.assignment, locks=hidden))
    assert not window.training.curves.isVisible() and not settings.training_form.isRowVisible(settings.lr_row)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # the instructor's change, undone
    assert window.training.curves.isVisible() and settings.training_form.isRowVisible(settings.lr_row)


def test_a_shipped_assignment_opens_with_its_goals_in_front(qtbot, window):
    assert window.files.open_path(ASSIGNMENTS / "spiral-200.json")  # a preset: the lecture notes come forward
    goals, notes = (window.findChild(QDockWidget, name) for name in ("assignmentDock", "notesDock"))
    qtbot.waitUntil(lambda: not goals.visibleRegion().isEmpty() and notes.visibleRegion().isEmpty())
    assert window.findChild(QLabel, "goal_0").text() == "○  val_accuracy ≥ 0.95: press Play"
    graded = window.findChild(QLabel, "assignmentGraded").text()
    assert graded.startswith("Graded after 2,800 training steps with seed 0. The metric goals are graded on a test")
    assert "20% of the training examples, held out, that you never see nor train on" in graded


def test_a_students_save_offers_a_name_with_the_students_login(qtbot, window, monkeypatch, tmp_path):
    """Every student of a class was offered "spiral-200.json": 47 hand-ins of one name."""
    from tests.ui.test_presets_kept import SaveDialog

    monkeypatch.setattr("getpass.getuser", lambda: "ana.diaz")
    monkeypatch.chdir(tmp_path)
    dialog = SaveDialog(monkeypatch)
    dialog.answers = [""]
    assert window.files.open_path(ASSIGNMENTS / "spiral-200.json")
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert dialog.asked == [str(tmp_path / "spiral-200-ana.diaz.json")]
    assert window.files.open_path(PRESETS / "mlp-spiral.json")  # a preset's copy keeps the preset's name
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert dialog.asked[1] == str(tmp_path / "mlp-spiral.json")


def test_the_goals_panel_ticks_the_network_at_once_and_the_metric_as_a_run_crosses_it(qtbot, window, tmp_path):
    path = write(spiral_solution(), tmp_path / "mine.json")
    assert window.files.open_path(path)
    dock = window.findChild(QDockWidget, "assignmentDock")
    assert dock.isVisible()
    metric, params = (window.findChild(QLabel, f"goal_{i}") for i in range(2))
    assert params.text() == "✓  at most 200 parameters: 151" and metric.property("met") is None
    assert "Build a network between the Input and the Output" in window.findChild(QLabel, "assignmentBrief").text()
    seen: list[bool | None] = []
    window.session.progressed.connect(lambda _p: seen.append(metric.property("met")))
    click(qtbot, window.training.transport.play_button)
    qtbot.waitUntil(lambda: metric.property("met") is True, timeout=FIRST * 2)
    assert False in seen  # crossed: missed at the first evaluations, met later
    assert metric.text().startswith("✓  val_accuracy ≥ 0.95: 0.9")
    click(qtbot, window.training.transport.play_button)
    click_block(qtbot, window, "linear_3")
    window.inspector.editors["out_features"].setFocus()
    qtbot.keyClicks(window.inspector.editors["out_features"], "\b\b14")
    qtbot.keyClick(window.inspector.editors["out_features"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: params.property("met") is False)
    assert params.text().startswith("✗  at most 200 parameters: ")


def test_the_instructor_makes_an_assignment_from_the_file_menu(qtbot, window, spiral, tmp_path, monkeypatch):
    assert window.files.open_path(spiral)
    window.assignments.act_new.trigger()
    editor = window.findChild(QDockWidget, "assignmentEditorDock")
    assert editor.isVisible()
    assert window.document.project.assignment.locks.blocks == ("input_1", "output_1")
    assert "batch_size" in window.document.project.assignment.locks.settings  # with the epochs: Play's steps
    blocks = window.findChild(QListWidget, "lockedBlocks")
    row = next(i for i in range(blocks.count()) if blocks.item(i).text() == "linear_3")
    rect = blocks.visualItemRect(blocks.item(row))
    qtbot.mouseClick(blocks.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 10, rect.center().y()))
    assert "linear_3" in window.document.project.assignment.locks.blocks
    assert window.scene.blocks["linear_3"].locked
    qtbot.mouseClick(window.findChild(QPushButton, "addGoal"), Qt.MouseButton.LeftButton)
    assert len(window.document.project.assignment.goals) == 2
    target = tmp_path / "handout.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    qtbot.mouseClick(window.findChild(QPushButton, "saveAssignment"), Qt.MouseButton.LeftButton)
    handout = json.loads(target.read_text())["assignment"]
    assert handout["locks"]["blocks"] == ["input_1", "linear_3", "output_1"] and "from" not in handout
    assert handout["goals"][0] == {"measure": "val_accuracy", "at_least": 0.9} and handout["steps"] == 3000
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # the goal added, taken back
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # the lock ticked, taken back
    assert not window.scene.blocks["linear_3"].locked
    assert window.files.open_path(target)
    assert window.document.project.assignment.source == "handout.json"
    assert window.scene.blocks["linear_3"].locked and not editor.isVisible()  # opened as the students see it
    window.assignments.act_new.trigger()  # and back to the instructor's panel
    assert editor.isVisible()
    value = window.assignments.editor.goal_rows[0].value
    value.selectAll()
    qtbot.keyClicks(value, "lots")
    qtbot.keyClick(value, Qt.Key.Key_Return)
    error = window.findChild(QLabel, "assignmentEditorError")
    assert error.isVisible() and "'lots' is not a number (val_accuracy)" in error.text()
    assert window.document.project.assignment.goals[0].at_least == 0.9 and not window.document.modified


def test_an_instructors_save_of_a_copy_of_an_assignment_keeps_it_an_assignment(qtbot, window, tmp_path):
    """Ctrl+S on a copy of spiral-200 made it a student's copy (``from`` written into it), which grade then
    refused as the ASSIGNMENT; saved under another name it is a student's copy."""
    copy = tmp_path / "spiral-200-ours.json"
    copy.write_text((PRESETS / "assignments" / "spiral-200.json").read_text())
    assert window.files.open_path(copy)
    editor = window.findChild(QPlainTextEdit, "notesEditor")
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_End, CTRL)
    qtbot.keyClicks(editor, " Ours now.")
    qtbot.waitUntil(lambda: window.document.modified, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert "from" not in json.loads(copy.read_text())["assignment"]
    assert load(copy).notes.endswith(" Ours now.") and load(copy).assignment.source == ""
    student = tmp_path / "ada.json"
    window.document.save(student)
    assert json.loads(student.read_text())["assignment"]["from"] == "spiral-200-ours.json"


def test_quitting_after_save_assignment_of_a_presets_copy_does_not_ask(qtbot, window, tmp_path, monkeypatch, dialogs):
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    window.assignments.act_new.trigger()
    target = tmp_path / "handout.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    qtbot.mouseClick(window.findChild(QPushButton, "saveAssignment"), Qt.MouseButton.LeftButton)
    assert "from" not in json.loads(target.read_text())["assignment"]
    assert window.document.path == target and not window.document.modified
    asked = len(dialogs.asked)
    window.close()
    assert len(dialogs.asked) == asked  # nothing left to save


def test_the_instructor_holds_a_test_set_out_from_the_panel(qtbot, window, tmp_path, monkeypatch):
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    window.assignments.act_new.trigger()
    share = window.findChild(QWidget, "assignmentTest")
    assert share.text() == "none: graded on the validation split"
    share.setFocus()
    qtbot.keyClick(share, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(share, "25")
    qtbot.keyClick(share, Qt.Key.Key_Return)
    assert window.document.project.assignment.test == 0.25
    target = tmp_path / "handout.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    qtbot.mouseClick(window.findChild(QPushButton, "saveAssignment"), Qt.MouseButton.LeftButton)
    assert json.loads(target.read_text())["assignment"]["test"] == 0.25


def test_a_run_past_the_graded_steps_shows_the_value_grading_stops_at(qtbot, window, tmp_path):
    """A project trained far past its graded steps showed a tick at 0.99 that the grade (0.52) did not give."""
    from tests.ui.test_training import pause, play_until

    project = spiral_solution()
    project.assignment = dataclasses.replace(project.assignment, steps=50)
    assert window.files.open_path(write(project, tmp_path / "mine.json"))
    play_until(qtbot, window, 300)
    pause(qtbot, window)
    metric = window.findChild(QLabel, "goal_0")
    qtbot.waitUntil(lambda: "grading stops there" in metric.text())
    assert metric.text().endswith(" at step 50 (grading stops there)"), metric.text()


def test_the_goals_stay_in_sight_when_a_block_is_selected_and_reach_down_beside_the_training(qtbot, window, tmp_path):
    """Selecting a block swapped the goals' tab for the Inspector's; at 1280x720 only the brief's first
    lines fit above the training panel."""
    window.resize(1280, 720)
    assert window.files.open_path(write(spiral_solution(), tmp_path / "mine.json"))
    goals = window.findChild(QDockWidget, "assignmentDock")
    training = window.findChild(QDockWidget, "trainingDock")
    qtbot.waitUntil(lambda: not goals.visibleRegion().isEmpty())
    assert goals.geometry().bottom() > training.geometry().top() + 200  # beside the training panel, not above it
    click_block(qtbot, window, "linear_1")
    qtbot.wait(50)
    assert not goals.visibleRegion().isEmpty() and window.inspector.block_id == "linear_1"
    assert window.files.open_path(PRESETS / "mlp-spiral.json")  # no assignment: the training panel is full width
    qtbot.waitUntil(lambda: not goals.isVisible() and training.geometry().right() > window.width() - 20)


def test_the_instructor_names_the_data_a_network_may_read_and_the_window_keeps_to_it(qtbot, window):
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    window.assignments.act_new.trigger()
    field = window.findChild(QWidget, "assignmentData")
    field.setFocus()
    qtbot.keyClicks(field, "x, 2y")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    error = window.findChild(QLabel, "assignmentEditorError")
    assert error.isVisible() and "'2y' is not the name of a dataset field" in error.text()
    field.clear()
    qtbot.keyClicks(field, "x")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.document.project.assignment.locks.data == ("x",) and not error.isVisible()
    refused: list[str] = []
    window.document.refused.connect(refused.append)
    assert window.document.apply(AddBlock(Block("second", "input", {"shape": [2]}, 0.0, 400.0)))  # reads x
    assert not window.document.apply(AddBlock(Block("peek", "input", {"shape": [], "data": "y"}, 0.0, 500.0)))
    assert refused == ["Locked by the assignment: what the network reads (only x) stays as it is"]
    assert "peek" not in window.document.root.blocks


def test_saving_a_hand_out_that_holds_the_solution_offers_to_take_it_out(qtbot, window, tmp_path, monkeypatch, dialogs):
    """New Assignment on a preset saved the preset's whole network: handed in unchanged, it passed its goals."""
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    window.assignments.act_new.trigger()
    target = tmp_path / "handout.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    dialogs.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(window.findChild(QPushButton, "saveAssignment"), Qt.MouseButton.LeftButton)
    assert any(text.startswith("The network is complete: its 5 blocks that are not locked") for text in dialogs.asked)
    assert sorted(load(target).graph.blocks) == ["input_1", "output_1"]
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)  # the solution back in the instructor's window
    assert len(window.document.root.blocks) == 7
    dialogs.answer = QMessageBox.StandardButton.Cancel
    target.unlink()
    qtbot.mouseClick(window.findChild(QPushButton, "saveAssignment"), Qt.MouseButton.LeftButton)
    assert not target.exists() and len(window.document.root.blocks) == 7


def test_a_new_assignment_grades_the_steps_play_trains_and_the_panel_says_when_they_differ(qtbot, window):
    """New Assignment on mlp-spiral graded 3,000 steps while Play trained 2,800, and the panel did not say so."""
    from tests.ui.test_training import wait_ready

    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    wait_ready(qtbot, window)  # the run is built: Play's steps are known
    window.assignments.act_new.trigger()
    assignment = window.document.project.assignment
    assert assignment.steps == window.assignments.goals.steps_per_epoch * window.document.project.training.epochs
    note = window.findChild(QLabel, "assignmentPlayNote")
    assert note.text() == f"Graded after {assignment.steps:,} training steps with seed 0."
    steps = window.findChild(QWidget, "assignmentSteps")
    steps.setFocus()
    qtbot.keyClick(steps, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(steps, "3000")
    qtbot.keyClick(steps, Qt.Key.Key_Return)
    assert window.document.project.assignment.steps == 3000
    assert f" Play trains {assignment.steps:,} steps (" in note.text()


def test_leaving_presentation_gives_an_assignment_its_tall_goals_back(qtbot, window, tmp_path):
    assert window.files.open_path(write(spiral_solution(), tmp_path / "mine.json"))
    right = Qt.DockWidgetArea.RightDockWidgetArea
    assert window.corner(Qt.Corner.BottomRightCorner) == right
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.presenter.presenting)
    qtbot.keyClick(window.stage_network, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.presenter.presenting)
    assert window.corner(Qt.Corner.BottomRightCorner) == right  # it went back to the bottom panel's
