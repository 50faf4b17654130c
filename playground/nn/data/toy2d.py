"""Two-dimensional classification sets in the style of TensorFlow Playground, in [-1, 1]^2."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

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

Maker = Callable[[int, float, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def _circle(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.arange(n) % 2
    radius = torch.where(y == 1, torch.rand(n, generator=g) * 0.5, 0.7 + torch.rand(n, generator=g) * 0.3)
    angle = torch.rand(n, generator=g) * 2 * math.pi
    x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1)
    return x + noise * 0.5 * torch.randn(n, 2, generator=g), y


def _xor(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.rand(n, 2, generator=g) * 2 - 1
    x = x + torch.sign(x) * 0.05  # a small margin around the axes
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).long()
    return x + noise * 0.5 * torch.randn(n, 2, generator=g), y


def _gaussians(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.arange(n) % 2
    centre = torch.where(y[:, None] == 1, torch.tensor([0.35, 0.35]), torch.tensor([-0.35, -0.35]))
    return centre + (0.1 + noise * 0.4) * torch.randn(n, 2, generator=g), y


def _spiral(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.arange(n) % 2
    t = torch.rand(n, generator=g)
    radius = 0.05 + 0.9 * t
    angle = 1.75 * 2 * math.pi * t + math.pi * y
    x = torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], 1)
    return x + noise * 0.5 * torch.randn(n, 2, generator=g), y


def _moons(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.arange(n) % 2
    angle = torch.rand(n, generator=g) * math.pi
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], 1)
    x = torch.where(y[:, None] == 0, upper, lower)
    x = (x - torch.tensor([0.5, 0.25])) * 0.6  # centre the pair in the plane
    return x + noise * 0.5 * torch.randn(n, 2, generator=g), y


def _blobs3(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.arange(n) % 3
    angle = y.float() * 2 * math.pi / 3 + math.pi / 2
    centre = 0.5 * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    return centre + (0.08 + noise * 0.4) * torch.randn(n, 2, generator=g), y


RING_MODES = 8


def _ring(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.arange(n) % RING_MODES
    angle = y.float() * 2 * math.pi / RING_MODES
    centre = 0.75 * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    return centre + (0.02 + noise * 0.3) * torch.randn(n, 2, generator=g), y


MAKERS: dict[str, Maker] = {}  # dataset id -> its generator (a training-script export copies its code)


def _builder(dataset_id: str, make: Maker, classes: int):
    def build(params: dict[str, Any], base_dir: Path | None) -> Data:
        x, y = make(params["points"], params["noise"], generator(params["seed"]))
        train, val = split({"x": x.float(), "y": y}, params["val_fraction"], params["seed"])
        return Data(dataset_id, "classification", train, val, num_classes=classes, info={"plane": (-1.2, 1.2)})

    return build


for _id, _title, _text, _make, _classes in (
    ("circle", "Circle", "One class inside a disc, the other on a ring around it.", _circle, 2),
    ("xor", "XOR", "Classes in opposite quadrants: no single line separates them.", _xor, 2),
    ("gaussians", "Two Gaussians", "Two round clouds of points that a single line separates.", _gaussians, 2),
    ("spiral", "Spiral", "Two spirals winding around each other.", _spiral, 2),
    ("moons", "Two moons", "Two interleaving half circles.", _moons, 2),
    ("blobs-3", "Three blobs", "Three clouds of points, one per class.", _blobs3, 3),
    ("ring", "Ring of Gaussians", "Eight small clouds on a circle (the modes a GAN must all find).", _ring, RING_MODES),
):
    MAKERS[_id] = _make
    register_dataset(
        DatasetSpec(
            id=_id,
            title=_title,
            description=_text,
            kind="classification",
            build=_builder(_id, _make, _classes),
            params=(points_param(500), noise_param(0.1), VAL_FRACTION, SEED),
        )
    )
