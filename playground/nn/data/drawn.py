"""Points drawn by hand on the input plane (TensorFlow Playground users asked for it for years): each
``[x, y, class]`` row of the ``points`` parameter is an example, saved in the project file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from playground.core.drawn import BOUNDS
from playground.core.registry import ParamSpec
from playground.nn.data.base import SEED, VAL_FRACTION, Data, DataError, DatasetSpec, register_dataset, split

MIN_POINTS = 4
POINTS = ParamSpec("points", "points", [], "The drawn points, [x, y, class] each (draw them on the input plane)")


def _build(params: dict[str, Any], base_dir: Path | None) -> Data:
    rows = params["points"]
    labels = {row[2] for row in rows}
    if len(rows) < MIN_POINTS or len(labels) < 2:
        raise DataError(
            f"the drawing has {len(rows)} point{'s' if len(rows) != 1 else ''} of {len(labels)} "
            f"class{'es' if len(labels) != 1 else ''}: draw at least {MIN_POINTS} points of two classes on the input plane"
        )
    points = torch.tensor(rows, dtype=torch.float32)  # (n, 3)
    tensors = {"x": points[:, :2].contiguous(), "y": points[:, 2].long()}
    train, val = split(tensors, params["val_fraction"], params["seed"])
    return Data("drawn", "classification", train, val, num_classes=max(labels) + 1, info={"bounds": BOUNDS})


register_dataset(
    DatasetSpec(
        id="drawn",
        title="Drawn points",
        description="Points you draw on the input plane, in the class you pick (saved with the project).",
        kind="classification",
        build=_build,
        params=(POINTS, VAL_FRACTION, SEED),
    )
)
