"""``playground grade``: a class's hand-in found (handin.py), every submission graded in a process of
its own (grade_pool.py), and the rows written (grade_report.py): the table, ``--csv``, ``--feedback``,
and every entry that was skipped with why. No torch here."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from playground.core.files import atomic_write
from playground.core.project_types import Project
from playground.nn import grade_report, handin
from playground.nn.grade import Row
from playground.nn.grade_pool import default_memory, grade_all

EXIT_OK, EXIT_UNREADABLE = 0, 2


def run_grade(assigned: Project, path: Path, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Grade ``args.submissions`` against the assignment ``assigned`` (read from ``path``)."""
    assignment = assigned.assignment
    assert assignment is not None
    with tempfile.TemporaryDirectory(prefix="playground-grade-") as unpack:
        found = handin.collect(args.submissions, path, Path(unpack))
        for skipped in found.skipped:
            print(f"skipped {skipped.entry}: {skipped.reason}", file=err)
        if not found.submissions:
            print("no submissions to grade: the folders and zips named hold no project (.json) files", file=err)
            return EXIT_UNREADABLE
        refused = _taken(args)
        if refused:
            print(refused, file=err)
            return EXIT_UNREADABLE
        memory = args.memory if args.memory is not None else default_memory(args.jobs)
        said = progress_line(err, found.submissions) if not args.quiet else lambda row: None
        paths = [submission.path for submission in found.submissions]
        graded = grade_all(path, paths, args.jobs, args.timeout, said, memory)
        same = handin.duplicates(found.submissions)
    rows = [
        dataclasses.replace(row, file=submission.shown, student=submission.student, duplicate=duplicate)
        for row, submission, duplicate in zip(graded, found.submissions, same, strict=True)
    ]
    print(grade_report.table(rows, assignment), end="", file=out)
    if found.skipped:
        print(f"skipped {len(found.skipped)} entries (listed above, on the error stream)", file=out)
    try:
        if args.csv is not None:
            grade_report.write_csv(rows, assignment, args.csv)
            print(f"wrote {args.csv} ({len(rows)} rows)", file=out)
        if args.feedback is not None:
            _write_feedback(rows, assigned, args.feedback)
            print(f"wrote {len(rows)} feedback files to {args.feedback}", file=out)
    except OSError as exc:
        print(f"{exc.filename or args.csv}: cannot be written ({exc.strerror or exc})", file=err)
        return EXIT_UNREADABLE
    return EXIT_OK


def _taken(args: argparse.Namespace) -> str:
    """Why what grading would write would replace files unasked ("" when it would not)."""
    if args.force:
        return ""
    if args.csv is not None and args.csv.exists():
        return f"{args.csv}: exists; --force replaces it"
    if args.feedback is not None and args.feedback.is_dir() and any(args.feedback.glob("*.txt")):
        return f"{args.feedback}: holds feedback files already; --force replaces them"
    if args.feedback is not None and args.feedback.exists() and not args.feedback.is_dir():
        return f"{args.feedback}: is a file, not a folder for the feedback files"
    return ""


def _write_feedback(rows: list[Row], assigned: Project, folder: Path) -> None:
    assignment = assigned.assignment
    assert assignment is not None
    folder.mkdir(parents=True, exist_ok=True)
    for row, name in zip(rows, grade_report.feedback_names(rows), strict=True):
        text = grade_report.feedback(row, assignment)
        atomic_write(folder / name, functools.partial(Path.write_text, data=text, encoding="utf-8"))


def progress_line(err: TextIO, submissions: list[handin.Submission]) -> Callable[[Row], None]:
    """A line on ``err`` as each submission is graded, naming it as the table will."""
    shown = {str(submission.path): submission.shown for submission in submissions}
    count = [0]

    def said(row: Row) -> None:
        count[0] += 1
        print(f"graded {count[0]} of {len(submissions)}: {shown[row.file]}: {row.result}", file=err, flush=True)

    return said
