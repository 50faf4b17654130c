"""The window's assignments: File > New Assignment (the instructor's panel, from the open project), and
the goals panel a student sees beside the canvas whenever the open project is an assignment."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from playground.core.project_types import Assignment, Goal, Locks
from playground.runtime.session import TrainingSession
from playground.ui.actions import Actions, Say
from playground.ui.assignment_editor import AssignmentEditor
from playground.ui.assignment_goals import AssignmentGoals
from playground.ui.document import Document
from playground.ui.presenting import PresentedWindow

LOCKED_SETTINGS = ("dataset", "seed", "epochs", "batch_size", "task", "loss")  # a new assignment's first locks
DEFAULT_STEPS = 1000
EDITOR_SIZE = (640, 680)  # the instructor's panel, floating


class Assignments(QObject):
    def __init__(
        self, window: PresentedWindow, document: Document, session: TrainingSession, actions: Actions, say: Say
    ) -> None:
        super().__init__(window)
        self.window, self.document, self.say = window, document, say
        self.goals = AssignmentGoals(document, session)
        self.editor = AssignmentEditor(document)
        self.goals.graded_said.connect(self.editor.play_note.setText)
        self.goals_dock = self._dock(self.goals, "Assignment", "assignmentDock")
        self.editor_dock = self._dock(self.editor, "Assignment (instructor)", "assignmentEditorDock")
        self.act_new = actions.add("New Assignment…", self.new_assignment, name="newAssignment")
        self.act_new.setStatusTip("Make the open project an assignment: a brief, locks and goals for the students")
        document.replaced.connect(self._opened)
        document.settings_changed.connect(lambda part: self._show_goals() if part == "assignment" else None)
        self._opened()

    def _dock(self, widget, title: str, name: str) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        inspector = self.window.dock("inspectorDock")
        if inspector is not None:
            self.window.tabifyDockWidget(inspector, dock)
        dock.hide()
        return dock

    def goals_in_front(self) -> bool:
        """Whether the student is looking at the goals (their tab in front): selecting a block then
        leaves them there, rather than swapping them for the Inspector."""
        return self.goals_dock.isVisible() and not self.goals_dock.visibleRegion().isEmpty()

    def _opened(self) -> None:
        """A file opened: the student's view of it (the instructor's panel comes back with File > New
        Assignment…), an assignment's goals in front of the other tabs (after the lecture notes, which
        opening a preset brings forward)."""
        self.editor_dock.hide()
        self._show_goals()
        if self.document.project.assignment is not None:
            QTimer.singleShot(0, self.goals_dock.raise_)

    def _show_goals(self) -> None:
        """The goals beside the canvas while the project is an assignment, the right-hand docks then
        reaching down beside the training panel (at 1280x720 only the first lines of the brief fit above it)."""
        has = self.document.project.assignment is not None
        beside = Qt.DockWidgetArea.RightDockWidgetArea if has else Qt.DockWidgetArea.BottomDockWidgetArea
        self.window.setCorner(Qt.Corner.BottomRightCorner, beside)
        self.goals_dock.setVisible(has)
        if not has:
            self.editor_dock.hide()

    def _play_steps(self) -> int:
        """The steps Play trains, once a run has been loaded (0 before): a new assignment grades as many
        (mlp-spiral's graded 3,000 while Play trained 2,800, and the instructor's panel did not say so)."""
        return self.goals.steps_per_epoch * self.document.project.training.epochs

    def new_assignment(self) -> None:
        """The instructor's panel for the open project; a project that is no assignment yet becomes one,
        its Inputs and Outputs and its data, seed, epochs, task and loss locked, its quality target (if
        it has one) the first goal."""
        project = self.document.project
        if project.assignment is None:
            ends = tuple(b.id for b in project.graph.blocks.values() if b.type in ("input", "output"))
            expected = project.expected
            goal = (
                Goal.bounded(expected.metric, "at_least" if expected.goal == "above" else "at_most", expected.threshold)
                if expected is not None and expected.metric.startswith("val_")
                else Goal("val_accuracy", at_least=0.9)
            )
            self.document.set_assignment(
                Assignment(
                    brief=project.notes,
                    locks=Locks(ends, LOCKED_SETTINGS, ()),
                    goals=(goal,),
                    steps=self._play_steps() or (expected.steps if expected is not None else DEFAULT_STEPS),
                )
            )
            self.say("The project is an assignment now: tick what is locked, set the goals, Save Assignment…", 10000)
        if not self.editor_dock.isVisible():  # a window of its own over the canvas: the docks are too small for it
            self.editor_dock.setFloating(True)
            frame = self.window.geometry()
            width, height = min(EDITOR_SIZE[0], frame.width() - 40), min(EDITOR_SIZE[1], frame.height() - 60)
            self.editor_dock.setGeometry(frame.right() - width - 20, frame.top() + 50, width, height)
        self.editor_dock.show()
        self.editor_dock.raise_()
        self.editor.show_assignment()
