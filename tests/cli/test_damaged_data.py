"""A corpus of damaged CSV and NPZ files: `check` and `train` each say one clear line naming the file,
exit 1, and never show a traceback or suggest unpickling. Tricky but valid tables load."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from playground.core.project_types import DatasetRef
from playground.core.project_write import save
from playground.nn.data.base import load_data
from tests.cli.test_cli import run
from tests.helpers import chain, project

Maker = Callable[[Path], None]


def text(content: str, encoding: str = "utf-8") -> Maker:
    return lambda path: path.write_bytes(content.encode(encoding))


def raw(content: bytes) -> Maker:
    return lambda path: path.write_bytes(content)


def arrays(**members: object) -> Maker:
    return lambda path: np.savez(path, **members)


def zipped(**members: bytes) -> Maker:
    def make(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name.replace("_", "."), data)

    return make


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


ROWS = "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(10))
GOOD = np.random.default_rng(0).random((10, 2))
CSV: dict[str, tuple[Maker | None, dict, str]] = {
    "missing": (None, {}, "there is no such file"),
    "empty": (text(""), {}, "is empty"),
    "bom-only": (text("\ufeff"), {}, "is empty"),
    "header-only": (text("a,b,y\n"), {}, "needs a header line and at least two rows"),
    "one-row": (text("a,b,y\n1,2,0\n"), {}, "needs a header line and at least two rows"),
    "binary": (raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20), {}, "is a binary file, not a CSV table"),
    "long-row": (text("a,b,y\n1,2,0\n1,2,0,9\n" + ROWS), {}, "line 3: has 4 values but the header has 3"),
    "short-row": (text("a,b,y\n1,2,0\n1,2\n" + ROWS), {}, "line 3: has 2 values but the header has 3"),
    "text-feature": (text("a,b,y\n1,2,0\none,2,1\n" + ROWS), {}, "line 3, column 'a': 'one' is not a number"),
    "empty-feature": (text("a,b,y\n1,2,0\n1,,1\n" + ROWS), {}, "line 3, column 'b': the value is missing"),
    "nan-feature": (text("a,b,y\n1,2,0\nNaN,2,1\n" + ROWS), {}, "line 3, column 'a': the value is missing"),
    "inf-feature": (text("a,b,y\n1,2,0\n1,-inf,1\n" + ROWS), {}, "line 3, column 'b': '-inf' is not a finite"),
    "nan-regression-target": (
        text("a,b,y\n1,2,0.5\n1,2,nan\n" + ROWS),
        {"task": "regression"},
        "line 3, column 'y': the value is missing",
    ),
    "nan-auto-target": (text("a,b,y\n1,2,0.5\n1,2,\n" + ROWS), {}, "line 3, column 'y': the value is missing"),
    "no-such-target": (text("a,b,y\n" + ROWS), {"target": "label"}, "there is no column 'label' (columns: a, b, y)"),
    "one-column": (text("y\n1\n2\n3\n"), {}, "has no feature columns besides the target 'y'"),
    "too-many-classes": (
        text("a,y\n" + "".join(f"{i},c{i}\n" for i in range(60))),
        {},
        "60 different target values are too many classes",
    ),
    "text-regression": (text("a,y\n1,x\n2,y\n3,z\n"), {"task": "regression"}, "regression needs numbers in the target"),
    "unclosed-quote": (text('a,b,y\n1,2,0\n"1,2,0\n3,4,1\n'), {}, "line 3: a quoted value opens here and is never"),
    "latin1-text-feature": (text("a,b,y\n1,2,0\ncafé,2,1\n" + ROWS, "latin-1"), {}, "'café' is not a number"),
    "html": (text("<html><body>404 Not Found</body></html>\n"), {}, "needs a header line and at least two rows"),
    "folder": (lambda path: path.mkdir(), {}, "is a folder, not a data file"),
}
NPZ: dict[str, tuple[Maker | None, dict, str]] = {
    "missing": (None, {}, "there is no such file"),
    "text-file": (text("x,y\n1,2\n"), {}, "is not an NPZ archive (a zip file of .npy arrays named x and y)"),
    "npy-file": (lambda path: np.save(path.open("wb"), GOOD), {}, "is a single .npy array, not an .npz archive"),
    "truncated-zip": (raw(b"PK\x03\x04\x14\x00\x00\x00" + bytes(40)), {}, "is not an NPZ archive"),
    "empty-archive": (zipped(), {}, "has no array 'x' (it has: none)"),
    "plain-file-member": (zipped(x=b"not an array", y_npy=npy(np.zeros(10))), {}, "member 'x' is not a NumPy array"),
    "garbage-npy-member": (zipped(x_npy=b"\x93NUMPYgarbage", y_npy=npy(np.zeros(10))), {}, "cannot be read"),
    "object-array": (arrays(x=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2)), {}, "Python objects"),
    "string-array": (arrays(x=np.array(["a", "b"]), y=np.zeros(2)), {}, "array 'x' holds <U1, not numbers"),
    "no-y": (arrays(x=GOOD), {}, "has no array 'y' (it has: x)"),
    "length-mismatch": (arrays(x=GOOD, y=np.zeros(7)), {}, "'x' has 10 examples but 'y' has 7"),
    "nan-x": (arrays(x=np.where(GOOD > 0.9, np.nan, GOOD), y=np.arange(10) % 2), {}, "missing or infinite value"),
    "inf-y": (arrays(x=GOOD, y=np.array([np.inf] + [0.5] * 9)), {}, "array 'y' has a missing or infinite value"),
    "scalar-x": (arrays(x=np.float64(3), y=np.zeros(1)), {}, "array 'x' is a single value"),
    "one-example": (arrays(x=GOOD[:1], y=np.zeros(1)), {}, "needs at least two examples"),
}
CASES = [("csv", name, *case) for name, case in CSV.items()] + [("npz", name, *case) for name, case in NPZ.items()]


def project_for(tmp_path: Path, kind: str, name: str, make: Maker | None, params: dict) -> tuple[Path, Path]:
    data = tmp_path / f"{name}.{kind}"
    if make is not None:
        make(data)
    graph = chain(
        ("input_1", "input", {"shape": [2]}),
        ("linear_1", "linear", {"in_features": 2, "out_features": 2}),
        ("output_1", "output", {}),
    )
    path = tmp_path / "project.json"
    save(project(graph, kind, {"path": data.name, **params}, task="classification", batch_size=4), path)
    return path, data


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(("kind", "name", "make", "params", "message"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_damaged_data_gives_one_clear_line(tmp_path: Path, kind, name, make, params, message) -> None:
    path, data = project_for(tmp_path, kind, name, make, params)
    for argv in (("check", str(path)), ("train", str(path), "--steps", "1")):
        code, out, err = run(*argv)
        assert code == 1, (argv, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert message in lines[0] and str(data.name) in lines[0], lines[0]
        assert (
            "Traceback" not in err and "allow_pickle" not in err and "pickle" not in err.replace("Python objects", "")
        )


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("\ufeffa,b,y\n" + ROWS, "utf-8"),
        ("a;b;y\n" + ROWS.replace(",", ";"), "utf-8"),
        ("a\tb\ty\n" + ROWS.replace(",", "\t"), "utf-8"),
        ("a,b,y\r\n" + ROWS.replace("\n", "\r\n"), "utf-8"),
        ("a, b, y\n\n" + ROWS.replace(",", ", ") + "\n\n", "utf-8"),
        ('"a","b","y"\n' + "".join(f'"{i % 5}","{i % 3}","class {i % 2}, or not"\n' for i in range(10)), "utf-8"),
        ("a;b;y\n" + "".join(f"{i};{i % 3};Größe {i % 2}\n" for i in range(10)), "latin-1"),
    ],
    ids=["bom", "semicolons", "tabs", "crlf", "spaces-and-blank-lines", "quoted", "latin-1"],
)
def test_tricky_but_valid_tables_load(tmp_path: Path, content: str, encoding: str) -> None:
    (tmp_path / "t.csv").write_bytes(content.encode(encoding))
    data = load_data(DatasetRef("csv", {"path": "t.csv", "val_fraction": 0.2}), tmp_path)
    assert data.info["columns"] == ["a", "b"]
    assert data.num_classes == 2 and len(data.train["x"]) + len(data.val["x"]) == 10


@pytest.mark.parametrize(
    ("targets", "task", "note"),
    [
        ("0 1 2 1 0 2", "auto", "3 whole-number values, taken as classes (set the dataset's task to regression"),
        ("0.5 1.25 2 1 0 2", "auto", "numbers, predicted as numbers (set the dataset's task to classification"),
        ("0 1 2 1 0 2", "classification", ""),
        ("a b a b a b", "auto", ""),
    ],
)
def test_the_automatic_class_or_number_choice_is_said(tmp_path: Path, targets: str, task: str, note: str) -> None:
    rows = "".join(f"{i},{t}\n" for i, t in enumerate(targets.split()))
    (tmp_path / "t.csv").write_text("a,y\n" + rows)
    data = load_data(DatasetRef("csv", {"path": "t.csv", "task": task}), tmp_path)
    assert (note in data.note) and bool(note) == bool(data.note)
