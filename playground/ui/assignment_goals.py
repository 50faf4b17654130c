"""The student's side of an assignment: the brief, and each goal with a live tick or cross: the network's
goals (parameters, blocks) at every edit, the metrics as training evaluates them."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.core.assignment import TOLERANCE, measure_network, steps_to_goals
from playground.core.project_types import Goal
from playground.runtime.messages import Loaded, Progress
from playground.runtime.session import TrainingSession
from playground.ui.document import Document
from playground.ui.forms import scrolled
from playground.ui.plain import Label
from playground.ui.theme import set_font

MET, MISSED, WAITING = "#15803d", "#b91c1c", "#4b5563"  # dark enough to read from the back row


class AssignmentGoals(QWidget):
    graded_said = Signal(str)  # how grading trains and how Play's run differs (the instructor's panel says it too)

    def __init__(self, document: Document, session: TrainingSession) -> None:
        super().__init__()
        self.setObjectName("assignmentGoals")
        self.document = document
        self.history: list[dict[str, float]] = []  # this run's evaluations, each with its step
        self.steps_per_epoch = 0  # of the run loaded (0: none yet)
        self.heading = Label()
        self.heading.setObjectName("assignmentHeading")
        self.heading.setWordWrap(True)
        set_font(self.heading, 13, bold=True)
        self.goal_box = QVBoxLayout()
        self.goal_box.setSpacing(6)
        self.goal_labels: list[QLabel] = []
        self.graded = Label()
        self.graded.setObjectName("assignmentGraded")
        self.graded.setWordWrap(True)
        self.brief = Label()
        self.brief.setObjectName("assignmentBrief")
        self.brief.setWordWrap(True)
        set_font(self.brief, 11)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(10, 8, 10, 8)
        column.addWidget(self.heading)
        column.addLayout(self.goal_box)
        column.addWidget(self.graded)
        column.addSpacing(8)
        column.addWidget(self.brief)
        column.addStretch(1)
        scrolled(self, inner)
        document.replaced.connect(self.show_assignment)
        document.settings_changed.connect(
            lambda part: self.show_assignment() if part == "assignment" else self._say_graded()
        )
        document.analysed.connect(lambda _analysis: self.show_goals())
        session.loaded.connect(self._new_run)
        session.progressed.connect(self._progressed)
        self.show_assignment()

    def show_assignment(self) -> None:
        assignment = self.document.project.assignment
        if assignment is None:
            return
        self.heading.setText(self.document.project.title)
        self.brief.setText(assignment.brief or "(no brief)")
        self._say_graded()
        while len(self.goal_labels) > len(assignment.goals):
            self.goal_labels.pop().deleteLater()
        while len(self.goal_labels) < len(assignment.goals):
            label = Label()
            label.setObjectName(f"goal_{len(self.goal_labels)}")
            label.setWordWrap(True)
            set_font(label, 12, bold=True)
            self.goal_box.addWidget(label)
            self.goal_labels.append(label)
        self.show_goals()

    def _say_graded(self) -> None:
        """How grading trains, and how Play's run differs from it (another number of epochs or batch size)."""
        assignment, training = self.document.project.assignment, self.document.project.training
        if assignment is None:
            return
        text = f"Graded after {assignment.steps:,} training steps with seed {training.seed}."
        if assignment.test:
            text += (
                f" The metric goals are graded on a test set: {assignment.test:.0%} of the training examples, held "
                "out, that you never see nor train on. The values here are measured on the validation split."
            )
        run = self.steps_per_epoch * training.epochs
        if run and run != assignment.steps:
            text += f" Play trains {run:,} steps ({training.epochs:,} epochs of {self.steps_per_epoch:,})."
        self.graded.setText(text)
        self.graded_said.emit(text)

    def _new_run(self, message: Loaded) -> None:
        self.history = []
        self.steps_per_epoch = message.steps_per_epoch
        self._say_graded()
        self.show_goals()

    def _progressed(self, progress: Progress) -> None:
        if progress.evaluations:
            self.history += progress.evaluations
            self.show_goals()

    def show_goals(self) -> None:
        """Each goal with what it measures now: ✓ met, ✗ not, ○ waiting for a run's evaluation."""
        assignment = self.document.project.assignment
        if assignment is None:
            return
        analysis, graph = self.document.root_analysis, self.document.root
        graded = [record for record in self.history if record.get("step", 0) <= assignment.steps]
        for goal, label in zip(assignment.goals, self.goal_labels, strict=True):
            met, shown = self._measure(goal, graph, analysis, graded, assignment.goals)
            mark, colour = ("○", WAITING) if met is None else (("✓", MET) if met else ("✗", MISSED))
            label.setText(f"{mark}  {goal.text()}: {shown}")
            label.setStyleSheet(f"color: {colour};")
            label.setProperty("met", met)

    def _measure(
        self, goal: Goal, graph, analysis, graded: list[dict], goals: tuple[Goal, ...]
    ) -> tuple[bool | None, str]:
        """A goal's tick and value: on the network, or on the run's evaluations up to the steps graded (a
        run trained past them showed a tick at 0.99 that grading, which stops there, gave at 0.52)."""
        if goal.measure in ("params", "blocks", "only"):
            value, shown = measure_network(goal, graph, analysis)
            return value is not None and goal.met(value), shown  # a network with problems: not met
        if not self.history:
            return None, "press Play"
        assignment = self.document.project.assignment
        steps = assignment.steps if assignment else 0
        if not graded:
            return None, f"trained past the {steps:,} steps graded: Reset, then Play"
        latest = graded[-1]
        if goal.measure == "steps":
            reached = steps_to_goals(goals, graded, TOLERANCE)
            if math.isinf(reached):
                return None if latest.get("step", 0) < (goal.at_most or 0) else False, "not yet"
            return goal.met(reached), f"step {reached:,.0f}"
        value = latest.get(goal.measure)
        if value is None:
            return None, "not measured by this task"
        past = " (grading stops there)" if self.history[-1].get("step", 0) > steps else ""
        return goal.met(value, TOLERANCE), f"{value:.4f} at step {int(latest.get('step', 0)):,}{past}"
