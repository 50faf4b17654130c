"""Grading one submission of an assignment: read it, compare its locked parts with the assignment's,
measure the goals on its network, train it headless for the assignment's steps with the assignment's
seed, and measure the goals on the run. Every way a submission can fail is a ``Row`` with its reason;
only a defect of Playground itself raises."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.core.analysis import Analysis
from playground.core.assignment import TOLERANCE, measure_network, steps_to_goals
from playground.core.locks import changes, locked_parts, matched_ids, walked_around
from playground.core.project import load
from playground.core.project_types import Assignment, Project
from playground.core.reader import ProjectError
from playground.core.shapes import analyse

EVALUATIONS = 20  # evaluations in a graded run (the "steps" goal is measured at these)
SHOWN_CHANGES = 3


@dataclass(frozen=True)
class Measured:
    """One goal measured: met or not, the number a spreadsheet reads (None: "never", "not counted"),
    and the value as the student reads it ("0.9620", "Conv2d, Dropout")."""

    met: bool
    number: float | None
    text: str


@dataclass
class Row:
    """One submission's grade. ``result``: "passed", "failed", "locked parts changed", "damaged", "does
    not compile", "reads the answers", "diverged", "needs more memory", "stopped" or "timed out";
    ``values``: per goal, what was measured (None where it was not); ``reason``: why it was not trained to
    the end; ``student`` and ``duplicate`` (which submission it repeats): the hand-in's, not the file's."""

    file: str
    result: str
    values: list[Measured | None] = field(default_factory=list)
    reason: str = ""
    student: str = ""
    duplicate: str = ""

    @property
    def met(self) -> int:
        return sum(1 for value in self.values if value is not None and value.met)


def step_text(step: float) -> str:
    """The step a "steps" goal was met at ("never" when it was not)."""
    return "never" if math.isinf(step) else f"{step:,.0f}"


def grade(assigned: Project, submission: Path, memory: float | None = None) -> Row:
    """Grade ``submission`` against the project ``assigned`` (whose ``assignment`` is set); ``memory``: the
    GB this process is limited to (what a row that ran out of it says)."""
    assignment = assigned.assignment
    assert assignment is not None
    goals = assignment.goals
    unmeasured: list[Measured | None] = [None] * len(goals)
    try:
        project = load(submission)
    except ProjectError as exc:
        return Row(str(submission), "damaged", unmeasured, exc.where + ": " + exc.message if exc.where else exc.message)
    except OSError as exc:
        return Row(str(submission), "damaged", unmeasured, f"cannot be read ({exc.strerror or exc})")
    ids = matched_ids(assigned, project, assignment.locks)  # a network brought in with playground import
    kept = locked_parts(assigned, assignment.locks, dataset_defaults=_dataset_defaults)
    now = locked_parts(project, assignment.locks, dataset_defaults=_dataset_defaults, ids=ids)
    changed = changes(kept, now) + walked_around(assigned.graph, project.graph, assignment.locks, ids)
    if changed:
        more = f" and {len(changed) - SHOWN_CHANGES} more" if len(changed) > SHOWN_CHANGES else ""
        return Row(str(submission), "locked parts changed", unmeasured, "; ".join(changed[:SHOWN_CHANGES]) + more)
    analysis = analyse(project.graph)
    values = list(unmeasured)
    for i, goal in enumerate(goals):
        if goal.measure in ("params", "blocks", "only"):
            value, text = measure_network(goal, project.graph, analysis)
            values[i] = Measured(value is not None and goal.met(value), value, text)
    if analysis.problems:
        return Row(str(submission), "does not compile", values, analysis.problems[0].message)
    leaks = _answers_read(project, analysis)
    if leaks:
        return Row(str(submission), "reads the answers", values, leaks[0])
    from playground.nn.tasks.base import OutOfMemory
    from playground.nn.trainer import out_of_memory

    try:
        return _train(_as_assigned(project, assigned), submission, assignment, values)
    except (MemoryError, OutOfMemory, RuntimeError) as exc:  # a step's, or building the network or its data
        if isinstance(exc, RuntimeError) and not out_of_memory(exc):
            raise
        said = f"needs more than {memory:g} GB to train (--memory)" if memory else "did not fit in memory"
        return Row(str(submission), "needs more memory", values, said)


def _dataset_defaults(dataset_id: str) -> dict[str, Any]:
    from playground.nn.data.base import DataError, get_dataset

    try:
        return get_dataset(dataset_id).defaults()
    except DataError:  # a dataset this Playground does not know: its params as written
        return {}


def _answers_read(project: Project, analysis: Analysis) -> list[str]:
    """Why the network reads the answers its loss is scored on (an Input reading the labels), if it does."""
    from playground.nn.tasks import TASKS
    from playground.nn.tasks.base import answer_readers

    task = TASKS.get(project.training.task)
    inputs = [(b.id, analysis.params[b.id]["data"]) for b in project.graph.blocks.values() if b.type == "input"]
    return answer_readers(task, inputs) if task is not None else []


def _as_assigned(project: Project, assigned: Project) -> Project:
    """The submission trained as the assignment trains it: the assignment's seed, and the examples the
    assignment file holds out (not what the student's copy says); its locked settings are the
    assignment's already."""
    training = dataclasses.replace(project.training, seed=assigned.training.seed)
    return dataclasses.replace(project, training=training, assignment=assigned.assignment)


def _train(project: Project, path: Path, assignment: Assignment, values: list) -> Row:
    from playground.nn.tasks.base import Diverged, OutOfMemory, TrainingStopped
    from playground.nn.train_run import DOES_NOT_FIT, build_trainer

    trainer = build_trainer(project, path, "cpu")
    if isinstance(trainer, list):
        if DOES_NOT_FIT in trainer[0]:
            raise MemoryError(trainer[0])
        return Row(str(path), "does not compile", values, trainer[0].removeprefix(f"{path}: "))
    steps = assignment.steps
    trainer.horizon = steps
    every = max(1, steps // EVALUATIONS)
    graded: list[dict[str, float]] = []  # what the goals are measured on at each evaluation: the held-out test
    try:  # examples where the assignment holds some out, else the validation split
        for report in trainer.run(steps=steps):
            if report.step % every == 0 or report.step == steps:
                trainer.read()
                metrics = trainer.evaluate()
                graded.append({"step": report.step, **(trainer.evaluate_held_out() if assignment.test else metrics)})
    except Diverged as exc:
        return Row(str(path), "diverged", values, str(exc))
    except TrainingStopped as exc:
        if isinstance(exc, OutOfMemory):
            raise
        return Row(str(path), "stopped", values, str(exc))
    final = graded[-1]
    for i, goal in enumerate(assignment.goals):
        if goal.is_metric:
            value = final.get(goal.measure)
            values[i] = (
                Measured(False, None, "not reported")
                if value is None
                else Measured(goal.met(value, TOLERANCE), value, f"{value:.4f}")
            )
        elif goal.measure == "steps":
            reached = steps_to_goals(assignment.goals, graded, TOLERANCE)
            values[i] = Measured(goal.met(reached), None if math.isinf(reached) else reached, step_text(reached))
    passed = all(value is not None and value.met for value in values)
    return Row(str(path), "passed" if passed else "failed", values)
