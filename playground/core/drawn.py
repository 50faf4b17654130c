"""Points a student draws on the 2-D input plane: the ``drawn`` dataset's ``points`` parameter, a list
of ``[x, y, class]`` rows, checked the same way by the project file and by the dataset."""

from __future__ import annotations

import math
from typing import Any

MAX_POINTS = 5000
MAX_CLASSES = 10
LIMIT = 100.0  # a drawn coordinate's largest size
BOUNDS = (-1.5, 1.5)  # the plane a drawing is made on (both axes)


def check_points(value: Any) -> list[list[float | int]]:
    """``value`` as a list of ``[x, y, class]`` rows, or ValueError saying which row is wrong and why."""
    if not isinstance(value, list):
        raise ValueError(f"must be a list of [x, y, class] points, not {type(value).__name__}")
    if len(value) > MAX_POINTS:
        raise ValueError(f"holds {len(value)} points, more than the {MAX_POINTS} a drawing may have")
    rows: list[list[float | int]] = []
    for i, row in enumerate(value):
        if not (isinstance(row, list) and len(row) == 3):
            raise ValueError(f"point {i + 1} must be [x, y, class], not {str(row)[:40]}")
        *xy, label = row
        for coordinate in xy:
            real = isinstance(coordinate, int | float) and not isinstance(coordinate, bool)
            if not real or not math.isfinite(coordinate) or abs(coordinate) > LIMIT:
                raise ValueError(f"point {i + 1} has a coordinate that is not a number from -{LIMIT:g} to {LIMIT:g}")
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < MAX_CLASSES:
            raise ValueError(
                f"point {i + 1} has class {label!r}: classes are whole numbers from 0 to {MAX_CLASSES - 1}"
            )
        rows.append([float(xy[0]), float(xy[1]), label])
    return rows
