"""The instructor's side of an assignment: write the brief, tick what is locked or hidden, set the goals
and the steps grading trains, and save it as an assignment file. Every change is an undoable edit of
the project's assignment (so a lock ticked by mistake is one Undo away)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core.assignment import FIELD_RE, MAX_GOALS, MAX_STEPS, MAX_TEST, METRIC_RE, setting_names
from playground.core.commands import RemoveBlocks
from playground.core.project_types import COUNTED, STAGE_VIEWS, Goal, Locks
from playground.core.registry import canonical_type, get_spec
from playground.ui import plain
from playground.ui.document import Document
from playground.ui.forms import scrolled
from playground.ui.plain import Button, Label
from playground.ui.theme import set_font

MEASURES = ("val_accuracy", "val_loss", "params", "blocks", "only", "steps")
BOUNDS = ("at least", "at most")
COMMIT_MS = 600


class GoalRow(QWidget):
    """One goal: what it measures, its bound, its number, and the block types it counts or allows."""

    def __init__(self, index: int, goal: Goal, changed, removed) -> None:
        super().__init__()
        self.setObjectName(f"goalRow_{index}")
        self.measure = QComboBox()
        self.measure.setObjectName("goalMeasure")
        self.measure.setEditable(True)  # any validation metric the task reports
        self.measure.addItems(MEASURES)
        self.measure.setCurrentText(goal.measure)
        self.bound = QComboBox()
        self.bound.setObjectName("goalBound")
        self.bound.addItems(BOUNDS)
        self.bound.setCurrentIndex(0 if goal.at_least is not None else 1)
        self.value = QLineEdit(_number(goal.at_least if goal.at_least is not None else goal.at_most))
        self.value.setObjectName("goalValue")
        self.types = QLineEdit(", ".join(goal.types) if goal.types else goal.block_type)
        self.types.setObjectName("goalTypes")
        self.types.setPlaceholderText("block types")
        remove = QPushButton("✕")
        remove.setObjectName("removeGoal")
        remove.setToolTip("Remove this goal")
        remove.setFixedWidth(32)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.measure, 3), (self.bound, 2), (self.value, 2), (self.types, 3), (remove, 0)):
            row.addWidget(widget, stretch)
        self.measure.currentTextChanged.connect(lambda _: self._shape())
        for signal in (self.measure.currentTextChanged, self.bound.currentIndexChanged):
            signal.connect(lambda *_: changed())
        for edit in (self.value, self.types):
            edit.editingFinished.connect(changed)
        remove.clicked.connect(lambda: removed(index))
        self._shape()

    def _shape(self) -> None:
        measure = self.measure.currentText()
        self.bound.setEnabled(measure not in ("params", "only", "steps"))
        self.value.setEnabled(measure != "only")
        self.types.setEnabled(measure in ("blocks", "only"))

    def goal(self) -> Goal:
        """The goal as typed; ValueError saying what is wrong."""
        measure = self.measure.currentText().strip()
        if measure not in COUNTED and not METRIC_RE.match(measure):
            raise ValueError(f"'{measure}' is no goal: a validation metric (val_...), params, blocks, only or steps")
        types = tuple(_type(t) for t in self.types.text().replace(",", " ").split())
        if measure == "only":
            if not types:
                raise ValueError("an 'only' goal names the block types it allows")
            return Goal(measure, at_most=0.0, types=types)
        try:
            number = float(self.value.text())
        except ValueError:
            raise ValueError(f"'{self.value.text()}' is not a number ({measure})") from None
        if measure in COUNTED and (number != int(number) or number < 0):
            raise ValueError(f"{measure} counts whole numbers, not {self.value.text()}")
        bound = "at_most" if measure in ("params", "steps") or self.bound.currentIndex() == 1 else "at_least"
        if measure == "blocks":
            if len(types) != 1:
                raise ValueError("a 'blocks' goal names one block type")
            return Goal.bounded(measure, bound, number, types[0])
        return Goal.bounded(measure, bound, number)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _type(text: str) -> str:
    name = canonical_type(text)
    if not name or get_spec(name) is None:
        raise ValueError(f"'{text}' is not a block type")
    return name


class AssignmentEditor(QWidget):
    def __init__(self, document: Document) -> None:
        super().__init__()
        self.setObjectName("assignmentEditor")
        self.document = document
        self._updating = False
        self.brief = QPlainTextEdit()
        self.brief.setObjectName("assignmentBriefEditor")
        self.brief.setPlaceholderText("What the students are asked to build, and the rules…")
        self.commit = QTimer(self)
        self.commit.setSingleShot(True)
        self.commit.setInterval(COMMIT_MS)
        self.commit.timeout.connect(self.apply)
        self.brief.textChanged.connect(self.commit.start)
        self.blocks = self._ticks("lockedBlocks")
        self.settings = self._ticks("lockedSettings")
        self.hidden = self._ticks("hiddenItems")
        self.steps = QSpinBox()
        self.steps.setObjectName("assignmentSteps")
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setSingleStep(100)
        self.steps.setKeyboardTracking(False)
        self.steps.valueChanged.connect(lambda _: self.apply())
        self.data = QLineEdit()
        self.data.setObjectName("assignmentData")
        self.data.setPlaceholderText("any field but the answers")
        self.data.setToolTip(
            "The dataset fields the students' Inputs may read, by name, separated by commas (x; x, adjacency): "
            "an Input reading another is refused"
        )
        self.data.editingFinished.connect(self.apply)
        self.play_note = Label()
        self.play_note.setObjectName("assignmentPlayNote")
        self.play_note.setWordWrap(True)
        self.test = QSpinBox()
        self.test.setObjectName("assignmentTest")
        self.test.setRange(0, round(MAX_TEST * 100))
        self.test.setSingleStep(5)
        self.test.setSuffix(" % of the training examples")
        self.test.setSpecialValueText("none: graded on the validation split")
        self.test.setToolTip(
            "Examples held out of the training data: the students never see nor train on them, and grading "
            "measures the metric goals on them (classification and regression data)"
        )
        self.test.setKeyboardTracking(False)
        self.test.valueChanged.connect(lambda _: self.apply())
        self.goal_rows: list[GoalRow] = []
        self.goal_box = QVBoxLayout()
        add = QPushButton("Add goal")
        add.setObjectName("addGoal")
        add.clicked.connect(self.add_goal)
        self.error = Label()
        self.error.setObjectName("assignmentEditorError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #dc2626; font-weight: bold;")
        self.error.hide()
        save = QPushButton("Save Assignment…")
        save.setObjectName("saveAssignment")
        save.clicked.connect(self.save_dialog)
        heading = Label("What the students get")
        set_font(heading, 13, bold=True)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(heading)
        column.addWidget(Label("Brief (shown to the students)"))
        column.addWidget(self.brief, 2)
        form = QFormLayout()
        form.addRow(Label("Locked blocks"), self.blocks)
        form.addRow(Label("Locked settings"), self.settings)
        form.addRow(Label("Hidden"), self.hidden)
        form.addRow(Label("Data it may read"), self.data)
        form.addRow(Label("Steps graded"), self.steps)
        form.addRow(self.play_note)
        form.addRow(Label("Test set"), self.test)
        column.addLayout(form)
        column.addWidget(Label("Goals (all must be met)"))
        column.addLayout(self.goal_box)
        column.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.error)
        column.addWidget(save)
        scrolled(self, inner)
        document.replaced.connect(self.show_assignment)
        document.settings_changed.connect(lambda part: self.show_assignment() if part == "assignment" else None)
        document.analysed.connect(lambda _analysis: self._show_blocks())

    def _ticks(self, name: str) -> QListWidget:
        ticks = QListWidget()
        ticks.setObjectName(name)
        ticks.setMaximumHeight(130)
        ticks.itemChanged.connect(lambda _item: self.apply())
        return ticks

    # --- showing ------------------------------------------------------------------------------
    def show_assignment(self) -> None:
        assignment = self.document.project.assignment
        if assignment is None:
            return
        self._updating = True
        try:
            if self.brief.toPlainText() != assignment.brief:
                self.brief.setPlainText(assignment.brief)
            self.commit.stop()
            self._show_blocks()
            _fill(self.settings, setting_names(), assignment.locks.settings)
            _fill(self.hidden, (*STAGE_VIEWS, *setting_names()), assignment.locks.hidden)
            self.steps.setValue(assignment.steps)
            self.test.setValue(round(assignment.test * 100))
            self.data.setText(", ".join(assignment.locks.data))
            shown = [row.goal() if _valid(row) else None for row in self.goal_rows]
            if shown != list(assignment.goals):
                self._show_goals(assignment.goals)
        finally:
            self._updating = False

    def _show_blocks(self) -> None:
        """The top-level blocks to tick, after an edit (put off while the panel is away: opening it
        shows them)."""
        assignment = self.document.project.assignment
        if assignment is None or not self.isVisible():
            return
        updating, self._updating = self._updating, True
        try:
            _fill(self.blocks, tuple(self.document.root.blocks), assignment.locks.blocks)
        finally:
            self._updating = updating

    def _show_goals(self, goals: tuple[Goal, ...]) -> None:
        for row in self.goal_rows:
            row.deleteLater()
        self.goal_rows = []
        for i, goal in enumerate(goals):
            row = GoalRow(i, goal, self.apply, self.remove_goal)
            self.goal_box.addWidget(row)
            self.goal_rows.append(row)

    # --- editing -------------------------------------------------------------------------------
    def add_goal(self) -> None:
        if len(self.goal_rows) >= MAX_GOALS:
            return
        goals = tuple(row.goal() for row in self.goal_rows if _valid(row))
        self._show_goals((*goals, Goal("val_accuracy", at_least=0.9)))
        self.apply()

    def remove_goal(self, index: int) -> None:
        goals = [row.goal() for i, row in enumerate(self.goal_rows) if i != index and _valid(row)]
        self._show_goals(tuple(goals))
        self.apply()

    def apply(self) -> None:
        """The assignment as the panel shows it becomes the project's (a goal typed wrong is said, and
        nothing changes until it is right)."""
        if self._updating or self.document.project.assignment is None:
            return
        self.commit.stop()
        try:
            goals = tuple(row.goal() for row in self.goal_rows)
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        fields = tuple(dict.fromkeys(name for name in re.split(r"[,\s]+", self.data.text()) if name))
        wrong = [name for name in fields if not FIELD_RE.match(name)]
        if wrong:
            self.error.setText(f"'{wrong[0]}' is not the name of a dataset field (x, tokens, ...)")
            self.error.show()
            return
        self.error.hide()
        locks = Locks(_ticked(self.blocks), _ticked(self.settings), _ticked(self.hidden), fields)
        assignment = dataclasses.replace(
            self.document.project.assignment,
            brief=self.brief.toPlainText(),
            locks=locks,
            goals=goals,
            steps=self.steps.value(),
            test=self.test.value() / 100,
        )
        self.document.set_assignment(assignment)

    def save_dialog(self) -> None:
        self.apply()
        if not self._without_the_solution():
            return
        start = (
            str(self.document.path.with_name(f"{self.document.path.stem}-assignment.json"))
            if self.document.path
            else ""
        )
        name, _ = QFileDialog.getSaveFileName(self, "Save Assignment", start, "Assignments (*.json)")
        if name:
            self.save_to(Path(name))

    def _without_the_solution(self) -> bool:
        """Whether to go on saving. A hand-out whose network is complete (the preset's solution between the
        locked blocks) passed its own goals when a student handed it in unchanged: the instructor is
        asked whether to take the blocks that are not locked out first (one Undo brings them back)."""
        assignment, root = self.document.project.assignment, self.document.root
        if assignment is None or self.document.level:
            return True
        solution = [block_id for block_id in root.blocks if block_id not in assignment.locks.blocks]
        if not solution or self.document.root_analysis.problems:
            return True
        answer = plain.ask(
            self,
            "Hand out the solution?",
            f"The network is complete: its {len(solution)} blocks that are not locked make it train as it is, "
            "so a student could hand it in unchanged.\n\nTake them out of the hand-out? (Undo brings them back.)",
            Button.Yes | Button.No | Button.Cancel,
            Button.Yes,
        )
        if answer == Button.Yes:
            self.document.apply(RemoveBlocks(solution))
        return answer != Button.Cancel

    def save_to(self, path: Path) -> None:
        try:
            self.document.save_assignment(path)
        except (OSError, ValueError) as exc:
            self.error.setText(f"{path.name}: not saved ({exc})")
            self.error.show()
            return
        self.document.said.emit(f"Saved the assignment as {path.name}: give this file to the students")


def _fill(ticks: QListWidget, names: tuple[str, ...], ticked: tuple[str, ...]) -> None:
    ticks.blockSignals(True)
    ticks.clear()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
        ticks.addItem(item)
    ticks.blockSignals(False)


def _ticked(ticks: QListWidget) -> tuple[str, ...]:
    return tuple(
        ticks.item(i).text() for i in range(ticks.count()) if ticks.item(i).checkState() == Qt.CheckState.Checked
    )


def _valid(row: GoalRow) -> bool:
    try:
        row.goal()
    except ValueError:
        return False
    return True
