"""The user's own data: a CSV table or an NPZ archive of arrays (read without pickle)."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import SEED, VAL_FRACTION, Data, DataError, DatasetSpec, register_dataset, split

PATH = ParamSpec("path", "text", "", "The file, relative to the project file")
TASK = ParamSpec(
    "task",
    "choice",
    "auto",
    "Predict a class or a number (auto: decided from the target)",
    choices=("auto", "classification", "regression"),
)
MAX_CLASSES = 50


def _path(params: dict[str, Any], base_dir: Path | None) -> Path:
    if not params["path"]:
        raise DataError("no file is set: give the dataset a path")
    path = Path(params["path"])
    return path if path.is_absolute() or base_dir is None else base_dir / path


def _number(text: str, where: str) -> float:
    if not text.strip():
        raise DataError(f"{where}: the value is missing")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: '{text[:30]}' is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: '{text}' is not a finite number")
    return value


def _targets(values: list[Any], task: str, where: str) -> tuple[torch.Tensor, int | None, list[str] | None]:
    """Class indices (with class names) or float targets, as the task asks or the values suggest."""
    numeric = all(isinstance(v, float) for v in values)
    whole = numeric and all(float(v).is_integer() for v in values)
    if task == "auto":
        task = "classification" if not numeric or (whole and len(set(values)) <= 20) else "regression"
    if task == "regression":
        if not numeric:
            raise DataError(
                f"{where}: regression needs numbers in the target, not '{next(v for v in values if not isinstance(v, float))}'"
            )
        return torch.tensor(values, dtype=torch.float32).unsqueeze(1), None, None
    classes = sorted(set(values), key=lambda v: (isinstance(v, str), v))
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{where}: {len(classes)} different target values are too many classes (at most {MAX_CLASSES})")
    index = {c: i for i, c in enumerate(classes)}
    names = [f"{c:g}" if isinstance(c, float) else str(c) for c in classes]
    return torch.tensor([index[v] for v in values]), len(classes), names


def _standardise(train: dict, val: dict) -> None:
    mean, std = train["x"].mean(0), train["x"].std(0).clamp_min(1e-8)
    train["x"] = (train["x"] - mean) / std
    val["x"] = (val["x"] - mean) / std


def _csv(params: dict[str, Any], base_dir: Path | None) -> Data:
    path = _path(params, base_dir)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    except csv.Error as exc:
        raise DataError(f"{path}: is not a valid CSV file ({exc})") from None
    if len(rows) < 3:
        raise DataError(f"{path}: needs a header line and at least two rows of data")
    header = [h.strip() for h in rows[0]]
    target = params["target"] or header[-1]
    if target not in header:
        raise DataError(f"{path}: there is no column '{target}' (columns: {', '.join(header)})")
    column = header.index(target)
    features, labels = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(f"{path} line {line}: has {len(row)} values but the header has {len(header)} columns")
        features.append(
            [_number(v, f"{path} line {line}, column '{header[i]}'") for i, v in enumerate(row) if i != column]
        )
        raw = row[column].strip()
        if not raw:
            raise DataError(f"{path} line {line}, column '{target}': the value is missing")
        try:
            labels.append(_number(raw, ""))
        except DataError:
            labels.append(raw)
    if not features[0]:
        raise DataError(f"{path}: has no feature columns besides the target '{target}'")
    y, classes, names = _targets(labels, params["task"], f"{path}, column '{target}'")
    x = torch.tensor(features, dtype=torch.float32)
    train, val = split({"x": x, "y": y}, params["val_fraction"], params["seed"])
    _standardise(train, val)
    kind = "classification" if classes else "regression"
    columns = [h for i, h in enumerate(header) if i != column]
    return Data("csv", kind, train, val, num_classes=classes, vocab=names, info={"columns": columns})


register_dataset(
    DatasetSpec(
        id="csv",
        title="CSV file",
        description="Your own table: numeric feature columns and a target column; features are standardised.",
        kind="table",
        build=_csv,
        params=(PATH, ParamSpec("target", "text", "", "Target column (empty: the last one)"), TASK, VAL_FRACTION, SEED),
    )
)


def _npz(params: dict[str, Any], base_dir: Path | None) -> Data:
    path = _path(params, base_dir)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in ("x", "y") if key in archive.files}
            files = archive.files
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise DataError(f"{path}: is not a plain NPZ archive of numeric arrays ({exc})") from None
    except Exception as exc:
        raise DataError(f"{path}: is not a valid NPZ archive ({type(exc).__name__})") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(f"{path}: has no array '{key}' (it has: {', '.join(files) or 'none'})")
        if arrays[key].dtype.kind not in "biuf":
            raise DataError(f"{path}: array '{key}' holds {arrays[key].dtype}, not numbers")
        if arrays[key].ndim == 0:
            raise DataError(f"{path}: array '{key}' is a single value, not one entry per example")
    x, y = arrays["x"], arrays["y"]
    if len(x) != len(y):
        raise DataError(f"{path}: 'x' has {len(x)} examples but 'y' has {len(y)}")
    if len(x) < 2:
        raise DataError(f"{path}: needs at least two examples")
    for key, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise DataError(f"{path}: array '{key}' contains NaN or infinite values")
    if y.ndim == 1:
        targets, classes, names = _targets([float(v) for v in y], params["task"], f"{path}, array 'y'")
    else:
        targets, classes, names = torch.from_numpy(y.astype(np.float32)), None, None
    train, val = split(
        {"x": torch.from_numpy(x.astype(np.float32)), "y": targets}, params["val_fraction"], params["seed"]
    )
    kind = "classification" if classes else "regression"
    return Data("npz", kind, train, val, num_classes=classes, vocab=names)


register_dataset(
    DatasetSpec(
        id="npz",
        title="NPZ arrays",
        description="Your own arrays: an .npz file with 'x' (one row per example) and 'y' (targets).",
        kind="table",
        build=_npz,
        params=(PATH, TASK, VAL_FRACTION, SEED),
    )
)
