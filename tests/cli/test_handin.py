"""``playground grade`` on a hand-in as a course makes one: a folder per student (as a learning platform
downloads it), the same as a zip, every entry left out named with why, copies marked, a feedback file
per student, and a memory limit per grading process."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from playground.cli import main
from playground.core.files import WEIGHTS_SUFFIX
from tests.assignments import assignment, chain, spiral_solution, write

STEPS = 140  # graded steps: quick to train, too few for val_accuracy 0.95 (every row trained is "failed")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def quick(tmp_path: Path) -> Path:
    """spiral-200 graded at STEPS steps."""
    assigned = assignment("spiral-200")
    assigned.assignment = dataclasses.replace(assigned.assignment, steps=STEPS)
    return write(assigned, tmp_path / "spiral-quick.json")


def _class(folder: Path, assigned: Path) -> None:
    """Four students in folders of their own (one a platform's folder name), one handing in a copy of
    another's file, and what a download also holds: a link, a pipe, notes, weights, an empty folder."""
    ana = folder / "Ana Diaz_1234_assignsubmission_file_"
    for student in (ana, folder / "Ben", folder / "Cleo", folder / "Dan"):
        student.mkdir(parents=True)
    write(spiral_solution(), ana / "spiral.json")
    write(spiral_solution(12), folder / "Ben" / "mine.json")
    write(spiral_solution(8), folder / "Cleo" / "SPIRAL.JSON")
    shutil.copy(ana / "spiral.json", folder / "Dan" / "spiral.json")
    (folder / "Ben" / "notes.txt").write_text("my notes")
    (folder / "Ben" / ("mine" + WEIGHTS_SUFFIX)).write_bytes(b"weights")
    (folder / "Cleo" / "theirs.json").symlink_to(ana / "spiral.json")
    (folder / "Cleo" / "assignment.json").symlink_to(assigned)
    os.mkfifo(folder / "Dan" / "pipe.json")
    (folder / "Eve").mkdir()


def test_a_folder_per_student_grades_one_row_each_and_names_every_entry_left_out(tmp_path: Path, quick: Path) -> None:
    _class(tmp_path / "class", quick)
    report, notes = tmp_path / "grades.csv", tmp_path / "feedback"
    code, out, err = run_cli(
        ["grade", str(quick), str(tmp_path / "class"), "--csv", str(report), "--feedback", str(notes), "--jobs", "2"]
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8"))))
    by_student = {row["student"]: row for row in rows}
    assert sorted(by_student) == ["Ana Diaz_1234", "Ben", "Cleo", "Dan"]  # per-student folders gave "no submissions"
    assert by_student["Cleo"]["file"].endswith("class/Cleo/SPIRAL.JSON")  # .JSON was left out with no word
    assert by_student["Ben"]["at most 200 parameters: met"] == "0" and by_student["Ben"]["result"] == "failed"
    assert (
        by_student["Dan"]["same as"]
        == f"same file as {tmp_path}/class/Ana Diaz_1234_assignsubmission_file_/spiral.json"
    )
    assert [by_student[s]["same as"] for s in ("Ana Diaz_1234", "Ben", "Cleo")] == ["", "", ""]
    skipped = sorted(line for line in err.splitlines() if line.startswith("skipped "))
    assert skipped == [
        f"skipped {tmp_path}/class/Ben/mine{WEIGHTS_SUFFIX}: trained weights: grading trains every network itself, "
        "from the assignment's seed",
        f"skipped {tmp_path}/class/Ben/notes.txt: not a project file (.json) or a zip of them",
        f"skipped {tmp_path}/class/Cleo/assignment.json: a link (to {quick}): a student hands in a file, not a link to one",
        f"skipped {tmp_path}/class/Cleo/theirs.json: a link (to {tmp_path}/class/Ana Diaz_1234_assignsubmission_file_/"
        "spiral.json): a student hands in a file, not a link to one",
        f"skipped {tmp_path}/class/Dan/pipe.json: not a regular file (a pipe, a socket or a device)",
    ]
    assert "skipped 5 entries" in out
    assert sorted(p.name for p in notes.iterdir()) == ["Ana Diaz_1234.txt", "Ben.txt", "Cleo.txt", "Dan.txt"]
    ben = (notes / "Ben.txt").read_text(encoding="utf-8")
    assert "Result: failed (" in ben and "✗ at most 200 parameters: 205 (needs at most 200)" in ben
    assert "Note: same file as" in (notes / "Dan.txt").read_text(encoding="utf-8")
    code, _, err = run_cli(["grade", str(quick), str(tmp_path / "class" / "Ben"), "--feedback", str(notes)])
    assert code == 2 and "holds feedback files already; --force replaces them" in err
    assert "205 (needs at most 200)" in (notes / "Ben.txt").read_text(encoding="utf-8")


def test_a_zip_of_the_class_grades_as_its_folder_does(tmp_path: Path, quick: Path) -> None:
    (tmp_path / "download").mkdir()
    ana = tmp_path / "download" / "course" / "Ana"
    ana.mkdir(parents=True)
    write(spiral_solution(), ana / "spiral.json")
    (ana.parent / "Ben").mkdir()
    write(spiral_solution(8), ana.parent / "Ben" / "spiral.json")
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted((tmp_path / "download").rglob("*.json")):
            z.write(path, path.relative_to(tmp_path / "download"))
        z.writestr("../escape.json", "{}")
        z.writestr("course/Ben/readme.md", "hello")
    code, _, err = run_cli(["grade", str(quick), str(archive), "--csv", str(tmp_path / "g.csv"), "--quiet"])
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text(encoding="utf-8"))))
    assert [(row["student"], row["file"], row["result"]) for row in rows] == [
        ("Ana", f"{archive}/course/Ana/spiral.json", "failed"),
        ("Ben", f"{archive}/course/Ben/spiral.json", "failed"),
    ]
    assert f"skipped {archive}/../escape.json: a path outside the zip's folder" in err
    assert f"skipped {archive}/course/Ben/readme.md: not a project file (.json) or a zip of them" in err
    assert not (tmp_path / "escape.json").exists()


def test_a_zip_too_large_to_unpack_is_named_not_unpacked(tmp_path: Path, quick: Path, monkeypatch) -> None:
    from playground.nn import handin

    monkeypatch.setattr(handin, "MAX_UNPACKED", 1000)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.json", "0" * 5000)
    write(spiral_solution(), tmp_path / "honest.json")
    code, out, err = run_cli(["grade", str(quick), str(archive), str(tmp_path / "honest.json"), "--quiet"])
    assert code == 0, err
    assert f"skipped {archive}: would unpack to more than" in err and "honest" in out


def test_a_submission_over_the_memory_limit_gets_its_row(tmp_path: Path, quick: Path, capsys) -> None:
    """Two submissions needing 14 GB each would have taken a 24 GB machine down under --jobs 2."""
    huge = chain(
        assignment("spiral-200"),
        [
            ("linear", {"in_features": 2, "out_features": 12000}),
            ("linear", {"in_features": 12000, "out_features": 12000}),
            ("linear", {"in_features": 12000, "out_features": 1}),
        ],
    )
    write(huge, tmp_path / "huge.json")
    write(spiral_solution(), tmp_path / "honest.json")
    files = [str(tmp_path / "huge.json"), str(tmp_path / "honest.json")]
    limits = ["--memory", "1.5", "--timeout", "120", "--csv", str(tmp_path / "g.csv")]
    code, _, err = run_cli(["grade", str(quick), *files, *limits])
    assert code == 0, err
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text()))}
    assert (rows["huge"]["result"], rows["huge"]["reason"]) == (
        "needs more memory",
        "needs more than 1.5 GB to train (--memory)",
    )
    assert rows["honest"]["result"] == "failed" and rows["honest"]["at most 200 parameters"] == "151"
    with pytest.raises(SystemExit) as info:
        run_cli(["grade", str(quick), str(tmp_path / "honest.json"), "--memory", "0.2"])
    assert info.value.code == 2 and "--memory: must be at least 1 GB" in capsys.readouterr().err


def test_a_zip_that_holds_itself_is_unpacked_only_so_far(tmp_path: Path, quick: Path) -> None:
    """A zip inside a zip inside a zip...: unpacked a few levels down, then named, never for ever."""
    inner = tmp_path / "level.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("spiral.json", write(spiral_solution(), tmp_path / "s.json").read_text())
    for _ in range(6):
        outer = tmp_path / "outer.zip"
        with zipfile.ZipFile(outer, "w") as z:
            z.write(inner, "level.zip")
        outer.replace(inner)
    code, _, err = run_cli(["grade", str(quick), str(inner), "--quiet"])
    assert code == 2 and "more than 4 folders or zips down" in err and "no submissions to grade" in err
