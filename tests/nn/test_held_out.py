"""An assignment's hidden test set: held out of the training examples by the dataset's seed, the same in
the student's window and in the grader, never trained on, and what grading measures the goals on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from playground.core.project import load
from playground.nn.data.base import DataError, held_out, load_data
from playground.nn.grade import grade
from playground.nn.trainer import Trainer
from tests.assignments import assignment, spiral_solution, write


def _rows(split: dict[str, torch.Tensor]) -> set[tuple[float, ...]]:
    return {tuple(row.tolist()) for row in split["x"]}


def test_the_shipped_assignment_holds_a_fifth_of_its_training_examples_out(tmp_path: Path) -> None:
    student = Trainer(load(write(spiral_solution(), tmp_path / "mine.json")), "cpu")
    data = student.data
    assert (len(data.train["x"]), len(data.val["x"]), len(data.test["x"])) == (400, 125, 100)
    assert not _rows(data.test) & _rows(data.train) and not _rows(data.test) & _rows(data.val)
    again = held_out(load_data(assignment("spiral-200").dataset), assignment("spiral-200"))
    assert torch.equal(again.test["x"], data.test["x"]) and torch.equal(again.train["x"], data.train["x"])
    plain = dataclasses.replace(assignment("spiral-200"), assignment=None)  # no assignment: nothing held out
    whole = held_out(load_data(plain.dataset), plain)
    assert whole.test is None and len(whole.train["x"]) == 500


def test_a_test_share_on_data_that_cannot_hold_one_out_is_refused() -> None:
    project = load(Path(__file__).resolve().parents[2] / "presets" / "char-gpt.json")
    project.assignment = assignment("spiral-200").assignment
    with pytest.raises(DataError, match="held-out test set is for classification and regression data, not text"):
        held_out(load_data(project.dataset), project)


def test_grading_measures_the_goals_on_the_held_out_examples(tmp_path: Path) -> None:
    assigned = assignment("spiral-200")
    assigned.assignment = dataclasses.replace(assigned.assignment, steps=140)
    mine = write(spiral_solution(), tmp_path / "mine.json")
    row = grade(assigned, mine)
    trainer = Trainer(load(mine), "cpu")
    for report in trainer.run(steps=140):
        if report.step % 7 == 0:
            trainer.read()
            trainer.evaluate()
    on_test, on_val = trainer.evaluate_held_out()["val_accuracy"], trainer.evaluate()["val_accuracy"]
    assert row.values[0].number == pytest.approx(on_test, abs=1e-6) and on_test != on_val
    mine.write_text(mine.read_text().replace('"test": 0.2', '"test": 0.0'))  # the student's copy says: none
    assert load(mine).assignment.test == 0.0
    assert grade(assigned, mine).values[0] == row.values[0]  # the assignment file decides
