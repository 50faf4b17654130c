"""The user's own data: a CSV table (read by pandas) or an NPZ archive of arrays (read without pickle).

Every problem is one line naming the file and, where there is one, the line and column."""

from __future__ import annotations

import csv
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import SEED, VAL_FRACTION, Data, DataError, DatasetSpec, register_dataset, split

PATH = ParamSpec("path", "file", "", "The file, relative to the project file")
TASK = ParamSpec(
    "task",
    "choice",
    "auto",
    "Predict a class or a number (auto: classes for text or up to 20 whole numbers, otherwise numbers)",
    choices=("auto", "classification", "regression"),
)
STANDARDIZE = ParamSpec(
    "standardize",
    "choice",
    "auto",
    "Rescale every feature to mean 0 and spread 1, from the training split (auto: tables yes, images no)",
    choices=("auto", "yes", "no"),
)
MAX_CLASSES = 50
AUTO_CLASSES = 20
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_UNCLOSED = re.compile(r"EOF inside string starting at row (\d+)")


def _path(params: dict[str, Any], base_dir: Path | None) -> Path:
    if not params["path"]:
        raise DataError("no file is set: give the dataset a path")
    path = Path(params["path"])
    path = path if path.is_absolute() or base_dir is None else base_dir / path
    if not path.exists():
        raise DataError(f"{path}: there is no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a pipe or /dev/tty would wait for ever, a device never end
        raise DataError(
            f"{path}: is not a regular file (a pipe, a device or a link to one): Playground reads only files"
        )
    if info.st_size == 0:  # also what /proc's files say of themselves (/proc/kmsg waits, /proc/self/mem fails)
        raise DataError(f"{path}: is empty: it needs a header line and at least two rows of data")
    return path


def _targets(values: np.ndarray, task: str, where: str) -> tuple[torch.Tensor, int | None, list[str] | None, str]:
    """Class indices (with class names) or float targets, as the task asks or the values suggest, and
    (when the choice was automatic) a line saying which was chosen and how to choose the other."""
    numeric = values.dtype.kind in "biuf"
    whole = numeric and bool(np.all(np.mod(values, 1) == 0))
    note = ""
    if task == "auto":
        distinct = len(np.unique(values))
        task = "classification" if not numeric or (whole and distinct <= AUTO_CLASSES) else "regression"
        if task == "classification" and numeric:
            note = f"{where}: {distinct} whole-number values, taken as classes (set the dataset's task to regression to predict numbers)"
        elif task == "regression":
            note = f"{where}: numbers, predicted as numbers (set the dataset's task to classification for classes)"
    if task == "regression":
        if not numeric:
            raise DataError(f"{where}: regression needs numbers in the target, not '{values[0]}'")
        return torch.tensor(values, dtype=torch.float32).unsqueeze(1), None, None, note
    classes, index = np.unique(values if numeric else values.astype(str), return_inverse=True)
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{where}: {len(classes)} different target values are too many classes (at most {MAX_CLASSES})")
    names = [f"{c:g}" if numeric else str(c) for c in classes]
    return torch.from_numpy(index.astype(np.int64)), len(classes), names, note


def _standardise(train: dict, val: dict, mode: str) -> None:
    """Features rescaled with the training split's mean and spread (auto: tables, not images)."""
    if mode == "no" or (mode == "auto" and train["x"].dim() > 2):
        return
    mean, std = train["x"].mean(0), train["x"].std(0).clamp_min(1e-8)
    train["x"] = (train["x"] - mean) / std
    val["x"] = (val["x"] - mean) / std


def _table(
    source: str, path: Path, x: np.ndarray, y: np.ndarray, params: dict[str, Any], where: str, info: dict
) -> Data:
    targets, classes, names, note = _targets(y, params["task"], where)
    if len(x) < 2:
        raise DataError(f"{path}: needs at least two examples")
    train, val = split(
        {"x": torch.from_numpy(x.astype(np.float32)), "y": targets}, params["val_fraction"], params["seed"]
    )
    _standardise(train, val, params["standardize"])
    kind = "classification" if classes else "regression"
    return Data(source, kind, train, val, classes, names, info, note)


# --- CSV -------------------------------------------------------------------------------------------


def _delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(SNIFF_BYTES)
    if "\x00" in sample:
        raise DataError(f"{path}: is a binary file, not a CSV table")
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample.strip() else ""
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _read_csv(path: Path) -> tuple[Any, str]:
    """The table and its delimiter: UTF-8 (with or without a byte-order mark), else latin-1."""
    try:
        return _parse(path, "utf-8-sig")
    except UnicodeDecodeError:
        return _parse(path, "latin-1")  # reads any byte


def _parse(path: Path, encoding: str) -> tuple[Any, str]:
    import pandas as pd

    delimiter = _delimiter(path, encoding)
    try:
        frame = pd.read_csv(
            path, sep=delimiter, encoding=encoding, skip_blank_lines=False, skipinitialspace=True, low_memory=False
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: is empty: it needs a header line and at least two rows of data") from None
    except pd.errors.ParserError as exc:
        ragged = _RAGGED.search(str(exc))
        if ragged:
            expected, line, saw = ragged.groups()
            raise DataError(f"{path} line {line}: has {saw} values but the header has {expected} columns") from None
        unclosed = _UNCLOSED.search(str(exc))
        if unclosed:
            line = int(unclosed.group(1)) + 1
            raise DataError(f"{path} line {line}: a quoted value opens here and is never closed") from None
        raise DataError(f"{path}: is not a valid CSV table ({str(exc).splitlines()[0]})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs.update(path=path, encoding=encoding, delimiter=delimiter)
    return frame, delimiter


def _missing(frame: Any, line: int, column: str) -> DataError:
    """A value that is not there: a short row (fewer values than the header has columns) or an empty field."""
    attrs = frame.attrs
    with attrs["path"].open(encoding=attrs["encoding"], newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter=attrs["delimiter"]), start=1):
            if number == line:
                if len(row) < len(frame.columns):
                    message = f"has {len(row)} values but the header has {len(frame.columns)} columns"
                    return DataError(f"{attrs['path']} line {line}: {message}")
                break
    return DataError(f"{attrs['path']} line {line}, column '{column}': the value is missing")


def _numbers(frame: Any, column: str, path: Path) -> np.ndarray:
    """A column as float64, or a DataError naming the line and column of the first value that is
    missing, not a number, or not finite."""
    import pandas as pd

    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        text = raw.iloc[row]
        line = int(frame.index[row]) + 2
        where = f"{path} line {line}, column '{column}'"
        if np.isinf(values[row]):
            raise DataError(f"{where}: '{text}' is not a finite number")
        if pd.isna(text) or not str(text).strip():
            raise _missing(frame, line, column)
        raise DataError(f"{where}: '{str(text)[:30]}' is not a number")
    return values


def _csv(params: dict[str, Any], base_dir: Path | None) -> Data:
    path = _path(params, base_dir)
    frame, delimiter = _read_csv(path)
    frame = frame[~frame.isna().all(axis=1)]  # blank lines (their line numbers are kept in the index)
    header = list(frame.columns)
    if len(frame) < 2:
        raise DataError(f"{path}: needs a header line and at least two rows of data")
    target = params["target"] or header[-1]
    if target not in header:
        raise DataError(f"{path}: there is no column '{target}' (columns: {', '.join(header)})")
    features = [c for c in header if c != target]
    if not features:
        kind = DELIMITER_NAMES[delimiter]
        raise DataError(f"{path}: has no feature columns besides the target '{target}' (read as {kind}-separated)")
    x = np.stack([_numbers(frame, c, path) for c in features], axis=1)
    labels = frame[target]
    missing = labels.isna() | (labels.astype(str).str.strip() == "")
    if missing.any():
        raise _missing(frame, int(frame.index[int(np.argmax(missing.to_numpy()))]) + 2, target)
    y = labels.to_numpy()
    if y.dtype.kind == "O":
        y = np.array([str(v).strip() for v in y])
    info = {"columns": features, "delimiter": DELIMITER_NAMES[delimiter]}
    return _table("csv", path, x, y, params, f"{path}, column '{target}'", info)


register_dataset(
    DatasetSpec(
        id="csv",
        title="CSV file",
        description="Your own table: numeric feature columns and a target column (comma, semicolon or tab separated).",
        kind="table",
        build=_csv,
        params=(
            PATH,
            ParamSpec("target", "text", "", "Target column (empty: the last one)"),
            TASK,
            STANDARDIZE,
            VAL_FRACTION,
            SEED,
        ),
    )
)


# --- NPZ -------------------------------------------------------------------------------------------


def _npz_arrays(path: Path) -> dict[str, np.ndarray]:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            start = handle.read(6)
        if start == b"\x93NUMPY":
            raise DataError(
                f"{path}: is a single .npy array, not an .npz archive: save with numpy.savez(file, x=..., y=...)"
            )
        raise DataError(f"{path}: is not an NPZ archive (a zip file of .npy arrays named x and y)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            files = archive.files
            arrays = {}
            for key in ("x", "y"):
                if key not in files:
                    raise DataError(f"{path}: has no array '{key}' (it has: {', '.join(files) or 'none'})")
                arrays[key] = archive[key]
    except DataError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise DataError(
                f"{path}: an array holds Python objects, which Playground never loads: save numbers"
            ) from None
        raise DataError(f"{path}: holds an array that cannot be read ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path}: is a damaged NPZ archive ({getattr(exc, 'strerror', None) or exc})") from None
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):
            raise DataError(f"{path}: member '{key}' is not a NumPy array (.npy) but a plain file")
    return arrays


def _npz(params: dict[str, Any], base_dir: Path | None) -> Data:
    path = _path(params, base_dir)
    arrays = _npz_arrays(path)
    for key, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise DataError(f"{path}: array '{key}' holds {array.dtype}, not numbers")
        if array.ndim == 0:
            raise DataError(f"{path}: array '{key}' is a single value, not one entry per example")
    x, y = arrays["x"], arrays["y"]
    if len(x) != len(y):
        raise DataError(f"{path}: 'x' has {len(x)} examples but 'y' has {len(y)}")
    for key, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            first = np.argwhere(~np.isfinite(array))[0]
            raise DataError(
                f"{path}: array '{key}' has a missing or infinite value at index {tuple(int(i) for i in first)}"
            )
    if y.ndim == 1:
        return _table("npz", path, x, y, params, f"{path}, array 'y'", {})
    if len(x) < 2:
        raise DataError(f"{path}: needs at least two examples")
    tensors = {"x": torch.from_numpy(x.astype(np.float32)), "y": torch.from_numpy(y.astype(np.float32))}
    train, val = split(tensors, params["val_fraction"], params["seed"])
    _standardise(train, val, params["standardize"])
    return Data("npz", "regression", train, val)


register_dataset(
    DatasetSpec(
        id="npz",
        title="NPZ arrays",
        description="Your own arrays: an .npz file with 'x' (one row per example) and 'y' (targets).",
        kind="table",
        build=_npz,
        params=(PATH, TASK, STANDARDIZE, VAL_FRACTION, SEED),
    )
)
