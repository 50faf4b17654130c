"""Colour maps for activations and class regions: numpy in, QImage-ready RGBA arrays out."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

# TensorFlow Playground's palette: orange for negative, white for zero, blue for positive.
NEGATIVE = np.array([245, 147, 34], dtype=np.float64)
ZERO = np.array([232, 234, 235], dtype=np.float64)
POSITIVE = np.array([8, 119, 189], dtype=np.float64)
REGION_STRENGTH = 0.7  # class regions stay paler than the points drawn on them
CLASS_COLOURS = np.array(
    [
        [245, 147, 34],
        [8, 119, 189],
        [22, 163, 74],
        [220, 38, 38],
        [147, 51, 234],
        [202, 138, 4],
        [8, 145, 178],
        [219, 39, 119],
        [100, 116, 139],
        [132, 204, 22],
    ],
    dtype=np.float64,
)


def diverging(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """(H, W) values -> (H, W, 4) uint8: orange below zero, blue above, white at zero."""
    limit = scale if scale else float(np.abs(values).max()) or 1.0
    t = np.clip(values / limit, -1.0, 1.0)[..., None]
    rgb = np.where(t < 0, ZERO + (NEGATIVE - ZERO) * -t, ZERO + (POSITIVE - ZERO) * t)
    return _rgba(rgb)


def sequential(values: np.ndarray) -> np.ndarray:
    """(H, W) values -> (H, W, 4) uint8, white (low) to blue (high), scaled to the values' range."""
    low, high = float(values.min()), float(values.max())
    t = ((values - low) / (high - low or 1.0))[..., None]
    return _rgba(ZERO + (POSITIVE - ZERO) * t)


def class_regions(scores: np.ndarray, binary: bool, discrete: bool = False) -> np.ndarray:
    """Class scores over the plane -> the winning class's colour, paler where the network is unsure
    (``discrete``: TensorFlow Playground's "discretize output", every point at full strength).
    ``scores``: (1, H, W) logits of the positive class when ``binary``, else (C, H, W)."""
    if binary:
        p = 1 / (1 + np.exp(-np.clip(scores[0], -60, 60)))
        return diverging(REGION_STRENGTH * (np.sign(p - 0.5) if discrete else 2 * p - 1), 1.0)
    shifted = np.exp(scores - scores.max(axis=0, keepdims=True))
    probs = shifted / shifted.sum(axis=0, keepdims=True)
    winner = probs.argmax(axis=0)
    confidence = (
        np.ones_like(winner, dtype=np.float64)
        if discrete
        else (probs.max(axis=0) - 1 / len(scores)) / (1 - 1 / len(scores))
    )
    colour = CLASS_COLOURS[winner % len(CLASS_COLOURS)]
    return _rgba(ZERO + (colour - ZERO) * np.clip(confidence, 0, 1)[..., None] * REGION_STRENGTH)


def class_colour(index: int) -> tuple[int, int, int]:
    r, g, b = CLASS_COLOURS[int(index) % len(CLASS_COLOURS)]
    return int(r), int(g), int(b)


def _rgba(rgb: np.ndarray) -> np.ndarray:
    alpha = np.full((*rgb.shape[:-1], 1), 255.0)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=-1).astype(np.uint8))


def to_image(rgba: np.ndarray) -> QImage:
    """(H, W, 4) uint8 with row 0 at the top -> a QImage that owns its pixels."""
    height, width = rgba.shape[:2]
    return QImage(rgba.tobytes(), width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def unit_images(plane: dict[str, np.ndarray]) -> dict[str, list[QImage]]:
    """(units, R, R) per block -> one image per unit, colours scaled per block, y pointing up."""
    images = {}
    for block_id, units in plane.items():
        scale = float(np.abs(units).max()) or 1.0
        images[block_id] = [to_image(diverging(np.flipud(unit), scale)) for unit in units]
    return images
