"""Generated images for segmentation: one shape per image (a disc, a square or a triangle) on a noisy
background, with the mask of the shape's pixels as the target."""

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

SIZE = ParamSpec("size", "int", 16, "Image width and height in pixels", min=8, max=64)


def _masks(n: int, size: int, g: torch.Generator) -> torch.Tensor:
    """(n, size, size) booleans: a disc, a square or a triangle of random size and place in each."""
    axis = torch.arange(size, dtype=torch.float32) + 0.5
    y, x = torch.meshgrid(axis, axis, indexing="ij")  # (size, size)
    radius = (torch.rand(n, generator=g) * 0.22 + 0.14) * size  # (n,)
    cx = radius + torch.rand(n, generator=g) * (size - 2 * radius)
    cy = radius + torch.rand(n, generator=g) * (size - 2 * radius)
    kind = torch.randint(0, 3, (n,), generator=g)
    dx = x[None] - cx[:, None, None]  # (n, size, size)
    dy = y[None] - cy[:, None, None]
    r = radius[:, None, None]
    disc = dx**2 + dy**2 <= r**2
    square = (dx.abs() <= 0.8 * r) & (dy.abs() <= 0.8 * r)
    triangle = (dy <= r) & (dy >= -r) & (dx.abs() <= (dy + r) / 2)  # apex up
    return torch.where(kind[:, None, None] == 0, disc, torch.where(kind[:, None, None] == 1, square, triangle))


def _build(params: dict[str, Any], base_dir: Path | None) -> Data:
    g = generator(params["seed"])
    n, size = params["points"], params["size"]
    masks = _masks(n, size, g)
    images = masks.float() + params["noise"] * torch.randn((n, size, size), generator=g)
    tensors = {"x": images.unsqueeze(1), "y": masks.long()}  # x: (n, 1, size, size); y: (n, size, size)
    train, val = split(tensors, params["val_fraction"], params["seed"])
    return Data("shapes", "classification", train, val, num_classes=2)


register_dataset(
    DatasetSpec(
        id="shapes",
        title="Shapes with masks",
        description="Noisy images of one disc, square or triangle each; the target is the shape's pixel mask.",
        kind="classification",
        build=_build,
        params=(points_param(1000, high=20_000), SIZE, noise_param(0.3), VAL_FRACTION, SEED),
    )
)
