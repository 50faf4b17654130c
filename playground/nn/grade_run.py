"""``playground grade``: every submission graded in a process of its own (``--jobs`` at once, each kept
for the next submission and replaced when one runs past ``--timeout``), one row each on the terminal and
in the CSV. This module imports no torch: the processes do (grade.py)."""

from __future__ import annotations

import csv
import io
import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TextIO

from playground.core.assignment import Assignment
from playground.core.files import atomic_write
from playground.nn.grade import Row

POLL = 0.2  # seconds between looks at the processes' clocks


def serve(conn: Connection, assignment: str) -> None:
    """A grading process: one submission path in, its Row out, until told None."""
    import torch

    from playground.core.project import load
    from playground.nn.grade import grade

    torch.set_num_threads(1)  # --jobs processes share the cores; one thread each also keeps sums in one order
    assigned = load(assignment)
    conn.send("ready")
    while (path := conn.recv()) is not None:
        conn.send(grade(assigned, Path(path)))


class _Grader:
    """One grading process and the submission it grades."""

    def __init__(self, assignment: Path) -> None:
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(child, str(assignment)), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.job: tuple[int, Path] | None = None
        self.since = 0.0

    def give(self, index: int, path: Path) -> None:
        self.job, self.since = (index, path), time.monotonic()
        self.conn.send(str(path))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def grade_all(
    assignment: Path, submissions: list[Path], jobs: int, timeout: float, done: Callable[[Row], None]
) -> list[Row]:
    """Rows in the submissions' order; ``done`` hears of each as it is graded."""
    rows: list[Row | None] = [None] * len(submissions)
    waiting = list(enumerate(submissions))
    graders: list[_Grader | None] = [_Grader(assignment) for _ in range(min(jobs, len(submissions)))]

    def record(index: int, row: Row) -> None:
        rows[index] = row
        done(row)

    try:
        while waiting or any(g.job for g in graders):
            for grader in graders:
                if grader.ready and grader.job is None and waiting:
                    grader.give(*waiting.pop(0))
            wait([g.conn for g in graders], POLL)
            for i, grader in enumerate(graders):
                if grader.conn.poll():
                    try:
                        answer = grader.conn.recv()
                    except EOFError:
                        answer = None
                    if answer == "ready":
                        grader.ready = True
                        continue
                    if isinstance(answer, Row):
                        index, _ = grader.job  # type: ignore[misc]
                        grader.job = None
                        record(index, answer)
                        continue
                if not grader.process.is_alive() or (grader.job and time.monotonic() - grader.since > timeout):
                    _end(grader, timeout, record)
                    graders[i] = _Grader(assignment) if waiting else None  # a fresh one only for what waits
            graders = [grader for grader in graders if grader is not None]
    finally:
        for grader in graders:
            if grader is not None:
                grader.stop()
    return [row for row in rows if row is not None]


def _end(grader: _Grader, timeout: float, record: Callable[[int, Row], None]) -> None:
    """A process past its time, or gone, is stopped; its submission's row says why."""
    running = grader.job
    late = running is not None and time.monotonic() - grader.since > timeout
    code = grader.process.exitcode
    grader.stop()
    if running is not None:
        index, path = running
        reason = (
            f"ran past the time limit of {timeout:g} s"
            if late
            else f"the grading process ended without a result (exit code {code}): the network may not fit in memory"
        )
        record(index, Row(str(path), "timed out" if late else "stopped", [], reason))
    elif not late:
        raise RuntimeError(f"a grading process could not start (exit code {code})")


# --- the table ---------------------------------------------------------------------------------


def header(assignment: Assignment) -> list[str]:
    return ["file", *(goal.text() for goal in assignment.goals), "total", "result"]


def cells(row: Row, assignment: Assignment, marks: bool) -> list[str]:
    """A row's cells: each goal as "yes 0.9620" / "no 412" (✓ and ✗ on the terminal), or "-"."""
    shown = []
    for value in row.values or [None] * len(assignment.goals):
        if value is None:
            shown.append("-")
        else:
            met, text = value
            shown.append(f"{('✓' if met else '✗') if marks else ('yes' if met else 'no')} {text}")
    result = f"{row.result}: {row.reason}" if row.reason else row.result
    return [row.file, *shown, f"{row.met}/{len(assignment.goals)}", result]


def table(rows: list[Row], assignment: Assignment) -> str:
    lines = [header(assignment), *(cells(row, assignment, True) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    out = io.StringIO()
    for n, line in enumerate(lines):
        print("  ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=False)) + "  " + line[-1], file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * len(line[-1]), file=out)
    return out.getvalue()


def write_csv(rows: list[Row], assignment: Assignment, path: Path) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(header(assignment))
            out.writerows(cells(row, assignment, False) for row in rows)

    atomic_write(path, write)


def submissions_in(names: list[str], assignment: Path) -> list[Path]:
    """The project files named, a folder standing for the .json files in it (sorted, the assignment
    itself left out); a name that is no file stays, to be graded as one that cannot be read."""
    found: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.glob("*.json") if p.is_file() and p.resolve() != assignment.resolve())
        else:
            found.append(path)
    return found


def progress_line(err: TextIO, total: int) -> Callable[[Row], None]:
    count = [0]

    def said(row: Row) -> None:
        count[0] += 1
        print(f"graded {count[0]} of {total}: {row.file}: {row.result}", file=err, flush=True)

    return said
