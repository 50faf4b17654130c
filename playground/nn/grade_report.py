"""What ``playground grade`` writes: the table on the terminal, the CSV a learning platform imports (a
number in every column that holds one), and with ``--feedback`` one short file per student that says
what each goal measured and what to change. No torch here."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playground.core.files import atomic_write
from playground.core.project_types import Assignment, Goal
from playground.nn.grade import Measured, Row

HINTS = {
    "locked parts changed": "The assignment keeps these parts as it gave them: put them back as they were, or "
    "start again from the assignment file.",
    "damaged": "The file is not a project Playground saved: hand in the .json file that File > Save writes.",
    "does not compile": "Open the project in Playground: the Problems list says what to fix, block by block.",
    "reads the answers": "A network may not read the labels it is scored on: remove the Input that reads them.",
    "diverged": "The loss stopped being a number: try a smaller learning rate.",
    "needs more memory": "Make the network or the batch smaller.",
    "timed out": "Training took longer than the grading allows: make the network smaller.",
    "stopped": "Training could not go on: try the project in Playground, it says why there.",
}
"""What a student can do about a submission that was not trained to the end, by its result."""


def header(assignment: Assignment) -> list[str]:
    return ["student", "file", *(goal.text() for goal in assignment.goals), "total", "result"]


def cells(row: Row, assignment: Assignment) -> list[str]:
    """A row on the terminal: each goal as "✓ 0.9620" / "✗ 412", or "-" where it was not measured."""
    shown = [
        "-" if value is None else f"{'✓' if value.met else '✗'} {value.text}" for value in _values(row, assignment)
    ]
    return [row.student, row.file, *shown, f"{row.met}/{len(assignment.goals)}", _result(row)]


def table(rows: list[Row], assignment: Assignment) -> str:
    lines = [header(assignment), *(cells(row, assignment) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    out = io.StringIO()
    for n, line in enumerate(lines):
        print("  ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=False)) + "  " + line[-1], file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * len(line[-1]), file=out)
    return out.getvalue()


# --- the CSV ---------------------------------------------------------------------------------------


def csv_header(assignment: Assignment) -> list[str]:
    goals = [name for goal in assignment.goals for name in (goal.text(), f"{goal.text()}: met")]
    return ["student", "file", "score", "goals met", *goals, "result", "reason", "same as"]


def csv_cells(row: Row, assignment: Assignment) -> list[str]:
    """A row in the CSV: the score in percent, each goal's number (empty where none was measured) and 1 or
    0 for met, then the result and its reason in columns of their own."""
    goals = []
    for goal, value in zip(assignment.goals, _values(row, assignment), strict=True):
        goals += ["", ""] if value is None else [_number(goal, value), "1" if value.met else "0"]
    score = f"{100 * row.met / len(assignment.goals):.1f}"
    return [row.student, row.file, score, str(row.met), *goals, row.result, row.reason, row.duplicate]


def write_csv(rows: list[Row], assignment: Assignment, path: Path) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(csv_header(assignment))
            out.writerows(csv_cells(row, assignment) for row in rows)

    atomic_write(path, write)


def _number(goal: Goal, value: Measured) -> str:
    if value.number is None:
        return ""
    return f"{value.number:.4f}" if goal.is_metric else f"{value.number:.0f}"


# --- feedback ----------------------------------------------------------------------------------------


def feedback_names(rows: list[Row]) -> list[str]:
    """One file name per row, from its student (a second file of one student numbered)."""
    names: list[str] = []
    for row in rows:
        stem = re.sub(r"[^\w .-]+", "_", row.student).strip(" .")[:100] or "submission"
        name, n = f"{stem}.txt", 1
        while name in names:
            n += 1
            name = f"{stem}-{n}.txt"
        names.append(name)
    return names


def feedback(row: Row, assignment: Assignment) -> str:
    """What a student reads about one submission: the result, each goal with its value and what was
    wrong, and for a submission not trained to the end why and what to change."""
    lines = [
        f"{row.student}: {Path(row.file).name}",
        f"Result: {row.result} ({row.met} of {len(assignment.goals)} goals met)",
    ]
    if row.reason:
        lines += ["", f"Why: {row.reason}"]
        if row.result in HINTS:
            lines.append(HINTS[row.result])
    lines.append("")
    for goal, value in zip(assignment.goals, _values(row, assignment), strict=True):
        if value is None:
            lines.append(f"- {goal.text()}: not measured")
        else:
            lines.append(f"{'✓' if value.met else '✗'} {goal.text()}: {value.text}{_wrong(goal, value)}")
    if row.duplicate:
        lines += ["", f"Note: {row.duplicate}."]
    return "\n".join(lines) + "\n"


def _wrong(goal: Goal, value: Measured) -> str:
    if value.met or value.number is None:
        return ""
    if goal.measure == "only":
        return " (blocks of a type the assignment does not allow)"
    if goal.at_least is not None:
        return f" (needs at least {goal.at_least:g})"
    return f" (needs at most {goal.at_most:,g})"


def _values(row: Row, assignment: Assignment) -> list[Measured | None]:
    return row.values or [None] * len(assignment.goals)


def _result(row: Row) -> str:
    said = f"{row.result}: {row.reason}" if row.reason else row.result
    return f"{said} ({row.duplicate})" if row.duplicate else said
