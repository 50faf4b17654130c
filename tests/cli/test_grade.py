"""``playground grade``: a folder of submissions of every kind graded in one command, each a row."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

from playground.cli import main
from tests.assignments import (
    ASSIGNMENTS,
    assignment,
    chain,
    digits_solution,
    label_peeking,
    rewired,
    spiral_solution,
    write,
)

SPIRAL = str(ASSIGNMENTS / "spiral-200.json")
HEADER = [
    "student",
    "file",
    "score",
    "goals met",
    "val_accuracy ≥ 0.95",
    "val_accuracy ≥ 0.95: met",
    "at most 200 parameters",
    "at most 200 parameters: met",
    "result",
    "reason",
    "same as",
]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def _submissions(folder: Path) -> dict[str, str]:
    """The twelve submissions, each with the result its row must give."""
    folder.mkdir()
    write(spiral_solution(), folder / "valid.json")
    write(spiral_solution(8), folder / "valid_small.json")
    write(spiral_solution(12), folder / "too_many_params.json")
    write(spiral_solution(2), folder / "too_narrow.json")
    hand_edited = json.loads(write(spiral_solution(), folder / "tampered_epochs.json").read_text())
    hand_edited["training"]["epochs"] = 4000
    hand_edited["assignment"]["locks"]["settings"] = []  # the lock taken out by hand as well
    (folder / "tampered_epochs.json").write_text(json.dumps(hand_edited))
    swapped = json.loads(write(spiral_solution(), folder / "tampered_output.json").read_text())
    for block in swapped["graph"]["blocks"]:
        if block["id"] == "input_1":
            block["params"]["shape"] = [3]
    swapped["graph"]["blocks"][2]["params"]["in_features"] = 3
    (folder / "tampered_output.json").write_text(json.dumps(swapped))
    text = write(spiral_solution(), folder / "damaged.json").read_text()
    (folder / "damaged.json").write_text(text[: len(text) // 2])
    (folder / "not_a_project.json").write_text('{"hello": "world"}\n')
    write(assignment("spiral-200"), folder / "unwired.json")
    mismatched = chain(
        assignment("spiral-200"),
        [("linear", {"in_features": 2, "out_features": 10}), ("linear", {"in_features": 7, "out_features": 1})],
    )
    write(mismatched, folder / "mismatched.json")
    diverging = chain(
        assignment("spiral-200"),
        [
            ("linear", {"in_features": 2, "out_features": 10}),
            ("pow", {"exponent": 8.0}),
            ("linear", {"in_features": 10, "out_features": 1}),
        ],
    )
    diverging.training = dataclasses.replace(diverging.training, optimizer="sgd", lr=10.0)
    write(diverging, folder / "diverging.json")
    wide = chain(
        assignment("spiral-200"),
        [
            ("linear", {"in_features": 2, "out_features": 2048}),
            ("relu", {}),
            ("linear", {"in_features": 2048, "out_features": 2048}),
            ("relu", {}),
            ("linear", {"in_features": 2048, "out_features": 1}),
        ],
    )
    write(wide, folder / "slow.json")
    return {
        "valid.json": "passed",
        "valid_small.json": "passed",
        "too_many_params.json": "failed",
        "too_narrow.json": "failed",
        "tampered_epochs.json": "locked parts changed: the setting epochs was changed",
        "tampered_output.json": "locked parts changed: block 'input_1' was changed",
        "damaged.json": "damaged: line ",
        "not_a_project.json": "damaged: format: is not a Playground project",
        "unwired.json": "does not compile: ",
        "mismatched.json": "does not compile: ",
        "diverging.json": "diverged: loss became NaN at step",
        "slow.json": "timed out: ran past the time limit of 12 s",
    }


def test_a_folder_of_submissions_is_graded_into_a_table_and_a_csv(tmp_path):
    expected = _submissions(tmp_path / "class")
    report = tmp_path / "grades.csv"
    code, out, err = run_cli(
        ["grade", SPIRAL, str(tmp_path / "class"), "--csv", str(report), "--jobs", "2", "--timeout", "12"]
    )
    assert code == 0, err
    with report.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    by_file = {Path(row[1]).name: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert sorted(by_file) == sorted(expected)  # one row each, the assignment's own file not among them
    for name, result in expected.items():
        row = by_file[name]
        assert f"{row['result']}: {row['reason']}".startswith(result), (name, row)
        assert row["student"] == Path(name).stem
    same = {name: row["same as"] for name, row in by_file.items() if row["same as"]}
    assert same == {"valid.json": f"same network as {tmp_path / 'class' / 'tampered_epochs.json'}"}  # epochs aside
    valid = by_file["valid.json"]
    assert float(valid["val_accuracy ≥ 0.95"]) >= 0.95 and valid["val_accuracy ≥ 0.95: met"] == "1"
    assert (valid["at most 200 parameters"], valid["at most 200 parameters: met"]) == ("151", "1")
    assert (valid["score"], valid["goals met"]) == ("100.0", "2")
    too_many = by_file["too_many_params.json"]
    assert (too_many["at most 200 parameters"], too_many["at most 200 parameters: met"]) == ("205", "0")
    assert (too_many["score"], too_many["goals met"]) == ("50.0", "1")
    narrow = by_file["too_narrow.json"]
    assert narrow["val_accuracy ≥ 0.95: met"] == "0" and narrow["at most 200 parameters"] == "15"
    diverging = by_file["diverging.json"]  # measured on the network before training
    assert (diverging["val_accuracy ≥ 0.95"], diverging["at most 200 parameters"], diverging["goals met"]) == (
        "",
        "41",
        "1",
    )
    for name in ("damaged.json", "tampered_epochs.json", "slow.json"):
        assert [by_file[name][column] for column in HEADER[2:8]] == ["0.0", "0", "", "", "", ""], name
    assert "no block feeds" in by_file["unwired.json"]["reason"] or "input" in by_file["unwired.json"]["reason"]
    # An empty network has no parameter count to meet "at most 200" with (it earned a ✓ for 0 before).
    unwired = by_file["unwired.json"]
    assert (unwired["at most 200 parameters"], unwired["at most 200 parameters: met"]) == ("", "0")
    assert "in_features" in by_file["mismatched.json"]["reason"]
    lines = out.splitlines()
    assert lines[0].split() == [
        "student",
        "file",
        "val_accuracy",
        "≥",
        "0.95",
        "at",
        "most",
        "200",
        "parameters",
        "total",
        "result",
    ]
    table = {Path(line.split()[1]).name: line for line in lines[2:] if str(tmp_path) in line}
    assert "✓ 151" in table["valid.json"] and "✗ 205" in table["too_many_params.json"]
    assert "✗ not counted until the network has no problems" in table["unwired.json"]
    assert f"wrote {report} (12 rows)" in out
    assert err.count("graded ") == 12


def test_grading_twice_gives_the_same_values(tmp_path):
    first = write(spiral_solution(9, lr=0.03), tmp_path / "a.json")
    shutil.copy(first, tmp_path / "b.json")
    code, out, err = run_cli(
        ["grade", SPIRAL, str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--jobs", "2", "--quiet"]
    )
    assert code == 0, err
    a, b = (line.split(maxsplit=2)[2].strip() for line in out.splitlines()[2:4])
    assert b == f"{a} (same file as {first})" and "✓ 127" in a


def test_what_is_not_an_assignment_is_refused(tmp_path, capsys):
    assert main(["grade", "mlp-spiral", str(tmp_path)]) == 1
    assert "is a project, not an assignment" in capsys.readouterr().err
    student = write(spiral_solution(), tmp_path / "mine.json")
    data = json.loads(student.read_text())
    data["assignment"]["from"] = "spiral-200.json"
    student.write_text(json.dumps(data))
    assert main(["grade", str(student), str(tmp_path)]) == 1
    assert "made from the assignment spiral-200.json" in capsys.readouterr().err
    assert main(["grade", SPIRAL, str(tmp_path / "empty")]) == 0  # a name that is no file: its own row
    assert "damaged: cannot be read" in capsys.readouterr().out
    report = tmp_path / "grades.csv"
    report.write_text("kept")
    assert main(["grade", SPIRAL, str(student), "--csv", str(report)]) == 2
    assert "exists; --force replaces it" in capsys.readouterr().err and report.read_text() == "kept"


def test_the_worked_solution_of_the_digits_assignment_meets_every_goal(tmp_path):
    from playground.nn.grade import grade

    row = grade(assignment("digits-cnn-10k"), write(digits_solution(), tmp_path / "cnn.json"))
    assert row.result == "passed" and row.met == 3, row
    accuracy, params, convs = row.values
    assert accuracy.number >= 0.97 and params.text == "6,090" and convs.text == "2"


def test_a_steps_goal_gives_the_first_evaluated_step_that_met_the_metric_goals(tmp_path):
    from playground.core.project_types import Goal
    from playground.nn.grade import Measured, grade

    assigned = assignment("spiral-200")
    assigned.assignment = dataclasses.replace(
        assigned.assignment, goals=(Goal("val_accuracy", at_least=0.75), Goal("steps", at_most=1000.0)), steps=1400
    )
    quick = grade(assigned, write(spiral_solution(), tmp_path / "quick.json"))
    slow = grade(assigned, write(spiral_solution(lr=0.002), tmp_path / "slow.json"))
    reached = quick.values[1]
    assert reached.met and 0 < reached.number <= 1000 and reached.number % 70 == 0
    assert slow.values[1] == Measured(False, None, "never") and slow.result == "failed"


def test_a_network_that_reads_the_labels_is_refused_by_grade_and_check(tmp_path: Path) -> None:
    """A second Input reading ``y`` (times 0, added on): spiral-200 passed at 1.0000 with it."""
    cheat = write(label_peeking(), tmp_path / "peek.json")
    code, _, err = run_cli(
        ["grade", str(ASSIGNMENTS / "spiral-200.json"), str(cheat), "--csv", str(tmp_path / "g.csv")]
    )
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text())))
    assert row["result"] == "reads the answers", row
    assert row["reason"].startswith("Input 'peek' reads 'y', the answers the loss compares"), row
    code, _, err = run_cli(["check", str(cheat)])
    assert code == 1 and "Input 'peek' reads 'y', the answers the loss compares the output with" in err


def test_defaults_written_out_change_nothing_and_a_hidden_setting_is_kept(tmp_path: Path) -> None:
    """``"data": "x"`` on the locked Input and ``"val_fraction": 0.2`` on the locked dataset were "locked
    parts changed"; ``compile`` (hidden, not locked) set in the file changed the graded value."""
    from playground.nn.grade import grade

    assigned = assignment("spiral-200")
    assigned.assignment = dataclasses.replace(assigned.assignment, steps=20)
    explicit = json.loads(write(spiral_solution(), tmp_path / "explicit.json").read_text())
    (locked_input,) = [block for block in explicit["graph"]["blocks"] if block["id"] == "input_1"]
    locked_input["params"] |= {"data": "x", "dtype": "float"}
    explicit["dataset"]["params"] |= {"val_fraction": 0.2, "seed": 0}
    (tmp_path / "explicit.json").write_text(json.dumps(explicit))
    row = grade(assigned, tmp_path / "explicit.json")
    assert row.result == "failed" and row.values[1].text == "151", row  # trained: 20 steps reach no 0.95
    compiled = json.loads(write(spiral_solution(), tmp_path / "compiled.json").read_text())
    compiled["training"]["compile"] = True
    (tmp_path / "compiled.json").write_text(json.dumps(compiled))
    row = grade(assigned, tmp_path / "compiled.json")
    assert (row.result, row.reason) == ("locked parts changed", "the setting compile was changed")
    locked_input["params"]["data"] = "noise"  # a value that is not the default is still a change
    (tmp_path / "explicit.json").write_text(json.dumps(explicit))
    assert grade(assigned, tmp_path / "explicit.json").reason == "block 'input_1' was changed"


def test_a_way_around_a_locked_block_is_refused(tmp_path: Path) -> None:
    from playground.core.graph import Block
    from playground.nn.grade import grade

    assigned = spiral_solution()
    assigned.assignment = dataclasses.replace(
        assigned.assignment,
        locks=dataclasses.replace(assigned.assignment.locks, blocks=("input_1", "linear_3", "output_1")),
    )
    around = rewired(
        spiral_solution(),
        [("linear_3", "tanh_4")],
        [Block("times_zero", "arithmetic", {"op": "x * c", "c": 0.0}, 0.0, 0.0), Block("mixed", "add", {}, 0.0, 0.0)],
        [("linear_3", "times_zero", 0), ("times_zero", "mixed", 0), ("tanh_2", "mixed", 1), ("mixed", "tanh_4", 0)],
    )
    row = grade(assigned, write(around, tmp_path / "around.json"))
    assert (row.result, row.reason) == (
        "locked parts changed",
        "a way from the Inputs to the Outputs goes around the locked block 'linear_3'",
    )


def test_a_network_written_in_pytorch_and_imported_can_be_handed_in(tmp_path: Path) -> None:
    """``playground import`` names the Input after forward()'s argument (``x``): such a network could not be
    handed in at all ("block 'input_1' was deleted")."""
    source = tmp_path / "mine.py"
    source.write_text(
        "import torch.nn as nn\n\n\nclass Model(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.net = nn.Sequential(nn.Linear(2, 10), nn.Tanh(), nn.Linear(10, 10), nn.Tanh(), nn.Linear(10, 1))\n\n"
        "    def forward(self, x):\n        return self.net(x)\n"
    )
    imported = tmp_path / "mine.json"
    code, _, err = run_cli(["import", f"{source}:Model", "-o", str(imported)])
    assert code == 0, err
    handed = json.loads(imported.read_text())
    assert "input_1" not in {block["id"] for block in handed["graph"]["blocks"]}
    shipped = json.loads((ASSIGNMENTS / "spiral-200.json").read_text())
    handed["dataset"], handed["training"] = shipped["dataset"], shipped["training"]  # chosen in the window
    imported.write_text(json.dumps(handed))
    code, out, err = run_cli(["grade", str(ASSIGNMENTS / "spiral-200.json"), str(imported), "--quiet"])
    assert code == 0, err
    assert "✓ 151" in out and "locked parts changed" not in out and ("passed" in out or "failed" in out), out


def test_locks_say_which_data_a_network_may_read(tmp_path: Path) -> None:
    from playground.core.project import loads
    from playground.core.project_write import dumps
    from playground.nn.grade import grade

    assigned = assignment("spiral-200")
    assigned.assignment = dataclasses.replace(
        assigned.assignment, locks=dataclasses.replace(assigned.assignment.locks, data=("x",))
    )
    assert loads(dumps(assigned)).assignment.locks.data == ("x",)  # kept in the file
    peeking = label_peeking()
    peeking.graph.blocks["peek"].params["data"] = "noise"
    row = grade(assigned, write(peeking, tmp_path / "noise.json"))
    assert (row.result, row.reason) == ("locked parts changed", "what the network reads (only x) was changed")
    row = grade(
        dataclasses.replace(assigned, assignment=dataclasses.replace(assigned.assignment, steps=20)),
        write(spiral_solution(), tmp_path / "honest.json"),
    )
    assert row.result == "failed" and row.values[1].text == "151"  # reads x alone: trained
