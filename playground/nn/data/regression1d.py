"""One-dimensional regression: a curve plus noise, optionally with a gap in the middle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import (
    SEED,
    VAL_FRACTION,
    Data,
    DatasetSpec,
    generator,
    noise_param,
    points_param,
    register_dataset,
    split,
)

GAP = ParamSpec("gap", "bool", False, "Leave out the middle third of the inputs (for the uncertainty lecture)")
GROWTH = ParamSpec(
    "noise_growth",
    "float",
    0.0,
    "How much the noise grows from left to right: 0 the same everywhere, 3 four times as much at x = 1 as at x = -1",
    min=0.0,
    max=10.0,
)
COMPOSITION_SCALE = 0.8
CURVES = {
    "sine": lambda x: torch.sin(3 * x),
    "polynomial": lambda x: 1.5 * x**3 - x + 0.3,
    # f(x) = log(cos(exp(sin^3(0.8 x)))): defined on all of [-1, 1] (the cosine stays positive there)
    "composition": lambda x: torch.log(torch.cos(torch.exp(torch.sin(COMPOSITION_SCALE * x) ** 3))),
}


def _builder(dataset_id: str):
    def build(params: dict[str, Any], base_dir: Path | None) -> Data:
        g = generator(params["seed"])
        n = params["points"]
        x = torch.rand(n * 3, generator=g) * 2 - 1
        if params["gap"]:
            x = x[(x < -1 / 3) | (x > 1 / 3)]
        x = x[:n].unsqueeze(1)  # (n, 1)
        spread = params["noise"] * (1 + params["noise_growth"] * (x + 1) / 2)  # (n, 1)
        y = CURVES[dataset_id](x) + spread * torch.randn(x.shape, generator=g)
        train, val = split({"x": x, "y": y}, params["val_fraction"], params["seed"])
        return Data(dataset_id, "regression", train, val)

    return build


for _id, _text, _noise in (
    ("sine", "A noisy sine wave over [-1, 1].", 0.1),
    ("polynomial", "A noisy cubic curve over [-1, 1].", 0.1),
    ("composition", "f(x) = log(cos(exp(sin³(0.8 x)))) over [-1, 1]: a chain of simple functions.", 0.01),
):
    register_dataset(
        DatasetSpec(
            id=_id,
            title=_id.capitalize(),
            description=_text,
            kind="regression",
            build=_builder(_id),
            params=(points_param(200), noise_param(_noise), GROWTH, GAP, VAL_FRACTION, SEED),
        )
    )
