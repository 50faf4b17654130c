"""Generated sequence tasks: forecasting a noisy sine, reversing or sorting token sequences."""

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

STEPS = ParamSpec("steps", "int", 20, "Time steps in each input window", min=2, max=512)


def _sine_forecast(params: dict[str, Any], base_dir: Path | None) -> Data:
    g = generator(params["seed"])
    n, steps = params["points"], params["steps"]
    start = torch.rand(n, 1, generator=g) * 2 * torch.pi
    period = 10 + 10 * torch.rand(n, 1, generator=g)  # steps per cycle
    t = torch.arange(steps + 1).float()  # (steps + 1,)
    wave = torch.sin(start + 2 * torch.pi * t / period)  # (n, steps + 1)
    wave = wave + params["noise"] * torch.randn(wave.shape, generator=g)
    x, y = wave[:, :steps].unsqueeze(2), wave[:, steps:]  # (n, steps, 1), (n, 1)
    train, val = split({"x": x, "y": y}, params["val_fraction"], params["seed"])
    return Data("sine-forecast", "regression", train, val)


register_dataset(
    DatasetSpec(
        id="sine-forecast",
        title="Sine forecast",
        description="Windows of a noisy sine wave; predict the value that comes next.",
        kind="regression",
        build=_sine_forecast,
        params=(points_param(2000), STEPS, noise_param(0.05), VAL_FRACTION, SEED),
    )
)

LENGTH = ParamSpec("length", "int", 8, "Tokens in each sequence", min=2, max=256)
VOCAB = ParamSpec("vocab", "int", 10, "How many different tokens", min=2, max=1000)


def _tokens(dataset_id: str):
    def build(params: dict[str, Any], base_dir: Path | None) -> Data:
        g = generator(params["seed"])
        x = torch.randint(0, params["vocab"], (params["points"], params["length"]), generator=g)
        y = x.flip(1) if dataset_id == "token-reverse" else x.sort(dim=1).values
        train, val = split({"x": x, "y": y}, params["val_fraction"], params["seed"])
        return Data(
            dataset_id,
            "classification",
            train,
            val,
            num_classes=params["vocab"],
            vocab=[str(i) for i in range(params["vocab"])],
        )

    return build


for _id, _title, _text in (
    ("token-reverse", "Reverse tokens", "Random token sequences; the target is the same sequence reversed."),
    ("token-sort", "Sort tokens", "Random token sequences; the target is the same tokens in sorted order."),
):
    register_dataset(
        DatasetSpec(
            id=_id,
            title=_title,
            description=_text,
            kind="classification",
            build=_tokens(_id),
            params=(points_param(5000, high=1_000_000), LENGTH, VOCAB, VAL_FRACTION, SEED),
        )
    )
