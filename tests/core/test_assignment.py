"""Assignments in the file (format 9), what their locks keep, and the goals measured on a network."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from playground.core.assignment import NOT_COUNTED, block_counts, measure_network, steps_to_goals
from playground.core.graph import Block
from playground.core.locks import changes, locked_parts, matched_ids, walked_around
from playground.core.project import loads
from playground.core.project_types import Goal
from playground.core.project_write import dumps
from playground.core.reader import ProjectError
from playground.core.shapes import analyse
from tests.assignments import ASSIGNMENTS, assignment, digits_solution, rewired, spiral_solution


def test_a_version_8_file_is_no_assignment_and_a_version_9_one_keeps_its_own():
    old = json.loads((ASSIGNMENTS / "spiral-200.json").read_text())
    del old["assignment"]
    old["format_version"] = 8
    assert loads(json.dumps(old)).assignment is None
    shipped = assignment("spiral-200")
    again = loads(dumps(shipped))
    assert again.assignment == shipped.assignment
    assert again.assignment.locks.blocks == ("input_1", "output_1")
    assert [g.text() for g in again.assignment.goals] == ["val_accuracy ≥ 0.95", "at most 200 parameters"]
    assert again.assignment.steps == 2800 and again.assignment.source == ""


def test_a_version_9_assignment_holds_no_test_set_and_a_version_10_one_keeps_its_share():
    old = json.loads((ASSIGNMENTS / "spiral-200.json").read_text())
    old["format_version"] = 9
    del old["assignment"]["test"]
    assert loads(json.dumps(old)).assignment.test == 0.0  # graded on the validation split, as it was
    shipped = assignment("spiral-200")
    assert shipped.assignment.test == 0.2 and loads(dumps(shipped)).assignment == shipped.assignment
    assert "test" not in json.loads(dumps(loads(json.dumps(old))))["assignment"]  # none held out: not written


@pytest.mark.parametrize(
    ("edit", "where", "says"),
    [
        (lambda a: a["locks"].update(blocks=["linear_9"]), "assignment.locks.blocks[0]", "'linear_9' is not a block"),
        (lambda a: a["locks"].update(settings=["lr", "lr"]), "assignment.locks.settings[1]", "named twice"),
        (lambda a: a["locks"].update(hidden=["boundary"]), "assignment.locks.hidden[0]", "not a setting or a view"),
        (
            lambda a: a["goals"].append({"measure": "accuracy", "at_least": 1}),
            "assignment.goals[2].measure",
            "validation metric",
        ),
        (lambda a: a["goals"].append({"measure": "val_loss"}), "assignment.goals[2]", "one of 'at_least' or 'at_most'"),
        (
            lambda a: a["goals"].append({"measure": "params", "at_most": 2.5}),
            "assignment.goals[2].at_most",
            "whole number",
        ),
        (
            lambda a: a["goals"].append({"measure": "blocks", "type": "warp", "at_most": 1}),
            "assignment.goals[2].type",
            "'warp'",
        ),
        (lambda a: a["goals"].append({"measure": "only", "types": []}), "assignment.goals[2].types", "at least one"),
        (lambda a: a.update(steps=0), "assignment.steps", "between 1 and"),
        (lambda a: a.update(test=0.8), "assignment.test", "a share from 0 to 0.5 of the training examples"),
        (lambda a: a.update(grade="A"), "assignment", "unknown field 'grade'"),
    ],
)
def test_a_bad_assignment_names_its_field(edit, where, says):
    data = json.loads((ASSIGNMENTS / "spiral-200.json").read_text())
    edit(data["assignment"])
    with pytest.raises(ProjectError) as caught:
        loads(json.dumps(data), "hw.json")
    assert caught.value.where == where and says in caught.value.message and str(caught.value).startswith("hw.json: ")


def test_locked_parts_see_a_locked_block_a_wire_between_two_and_a_setting():
    assigned = spiral_solution()
    locks = assigned.assignment.locks
    kept = locked_parts(assigned, locks)
    assert set(kept) >= {"block 'input_1'", "block 'output_1'", "the dataset", "the setting epochs"}
    student = spiral_solution(12)  # another network between the locked blocks: nothing locked changed
    assert changes(kept, locked_parts(student, locks)) == []
    student.graph.blocks["input_1"].params["shape"] = [3]
    student.dataset = type(student.dataset)("moons", {})
    assert changes(kept, locked_parts(student, locks)) == ["block 'input_1' was changed", "the dataset was changed"]
    for link in student.graph.links_of(["output_1"]):
        student.graph.disconnect(link)
    student.graph.remove_block("output_1")
    assert "block 'output_1' was deleted" in changes(kept, locked_parts(student, locks))


def test_a_locked_block_must_stay_on_the_way_from_the_inputs_to_the_outputs():
    """A locked middle block left dangling, or multiplied by 0 beside a path around it, passed."""
    assigned = spiral_solution()  # input_1 -> linear_1 -> tanh_2 -> linear_3 -> tanh_4 -> linear_5 -> output_1
    locks = dataclasses.replace(assigned.assignment.locks, blocks=("input_1", "linear_3", "output_1"))
    assert walked_around(assigned.graph, spiral_solution().graph, locks) == []
    dangling = rewired(
        spiral_solution(), [("tanh_2", "linear_3"), ("linear_3", "tanh_4")], [], [("tanh_2", "tanh_4", 0)]
    )
    assert walked_around(assigned.graph, dangling.graph, locks) == [
        "the locked block 'linear_3' does not lie between the Inputs and the Outputs"
    ]
    zero = Block("times_zero", "arithmetic", {"op": "x * c", "c": 0.0}, 0.0, 0.0)
    around = rewired(
        spiral_solution(),
        [("linear_3", "tanh_4")],
        [zero, Block("mixed", "add", {}, 0.0, 0.0)],
        [("linear_3", "times_zero", 0), ("times_zero", "mixed", 0), ("tanh_2", "mixed", 1), ("mixed", "tanh_4", 0)],
    )
    assert (
        not analyse(around.graph).problems and changes(locked_parts(assigned, locks), locked_parts(around, locks)) == []
    )
    assert walked_around(assigned.graph, around.graph, locks) == [
        "a way from the Inputs to the Outputs goes around the locked block 'linear_3'"
    ]
    residual = spiral_solution()  # a way around that the assignment had already is the assignment's own
    rewired(residual, [("linear_3", "tanh_4")], [Block("mixed", "add", {}, 0.0, 0.0)], [])
    rewired(residual, [], [], [("linear_3", "mixed", 0), ("tanh_2", "mixed", 1), ("mixed", "tanh_4", 0)])
    assert walked_around(residual.graph, around.graph, locks) == []


def test_a_network_brought_in_with_playground_import_keeps_the_locked_blocks_under_its_own_ids():
    """An imported network names its Input after forward()'s argument (``x``): it could not be handed in."""
    assigned = assignment("spiral-200")
    imported = spiral_solution()
    graph = imported.graph
    links = list(graph.links)
    for link in links:
        graph.disconnect(link)
    graph.add_block(graph.remove_block("input_1").renamed("x"))
    graph.blocks["x"].params |= {"data": "x", "dtype": "float"}  # as import writes it: every value
    for link in links:
        graph.connect(dataclasses.replace(link, src="x" if link.src == "input_1" else link.src))
    locks = assigned.assignment.locks
    ids = matched_ids(assigned, imported, locks)
    assert ids == {"input_1": "x"}
    assert changes(locked_parts(assigned, locks), locked_parts(imported, locks, ids=ids)) == []
    assert walked_around(assigned.graph, imported.graph, locks, ids) == []
    graph.blocks["x"].params["shape"] = [3]  # another Input is no match: the locked one was deleted
    assert changes(
        locked_parts(assigned, locks), locked_parts(imported, locks, ids=matched_ids(assigned, imported, locks))
    ) == ["block 'input_1' was deleted"]


def test_goals_on_the_network_count_parameters_blocks_and_types():
    solution = digits_solution()
    analysis = analyse(solution.graph)
    assert measure_network(Goal("params", at_most=10000.0), solution.graph, analysis) == (6090.0, "6,090")
    assert block_counts(solution.graph)["conv2d"] == 2
    conv = Goal("blocks", at_least=1.0, block_type="conv2d")
    assert conv.met(measure_network(conv, solution.graph, analysis)[0]) and conv.text() == "at least 1 Conv2d blocks"
    only = Goal("only", at_most=0.0, types=("linear", "relu"))
    value, shown = measure_network(only, solution.graph, analysis)
    assert (value, shown) == (5.0, "Conv2d, Flatten, MaxPool2d") and not only.met(value)
    assert only.text() == "only Linear, ReLU blocks"
    empty = assignment("spiral-200")  # nothing between the Input and the Output: a problem, no count
    assert measure_network(Goal("params", at_most=200.0), empty.graph, analyse(empty.graph)) == (None, NOT_COUNTED)


def test_metric_goals_hold_within_the_tolerance_and_steps_count_to_the_first_evaluation_that_meets_them():
    accuracy = Goal("val_accuracy", at_least=0.95)
    assert accuracy.met(0.946, 0.005) and not accuracy.met(0.944, 0.005) and not accuracy.met(math.nan)
    assert Goal("val_loss", at_most=0.2).met(0.204, 0.005) and not Goal("params", at_most=200).met(201, 0.005)
    history = [
        {"step": 100, "val_accuracy": 0.9},
        {"step": 200, "val_accuracy": 0.96},
        {"step": 300, "val_accuracy": 0.5},
    ]
    goals = (accuracy, Goal("steps", at_most=150.0))
    assert steps_to_goals(goals, history, 0.0) == 200.0
    assert steps_to_goals(goals, history[:1], 0.0) == math.inf


def test_the_docs_give_the_shipped_assignments_graded_steps() -> None:
    """docs/assignments.md said 3,000 and 1,200 steps where the files graded 2,800 and 1,350."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "assignments.md").read_text(encoding="utf-8")
    for path in sorted(ASSIGNMENTS.glob("*.json")):
        (row,) = [line for line in docs.splitlines() if line.startswith(f"| `{path.stem}` |")]
        assert f"after {assignment(path.stem).assignment.steps:,} steps" in row, row
