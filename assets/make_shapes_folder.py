"""Writes assets/datasets/shapes-folder/: 4 classes of 150 small JPEG pictures each (a circle, a square, a
triangle or a star of random colour, size, place and turn, on a plain background of another colour,
with a few stray lines), the image folder the ``cnn-images`` preset trains on. Generated here, so it is ours to give
away (CC0, see assets/datasets/README.md). Run: python assets/make_shapes_folder.py
"""

from __future__ import annotations

import math
import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent / "datasets" / "shapes-folder"
CLASSES = ("circle", "square", "star", "triangle")
PER_CLASS = 150
SIZE = 48


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randrange(256) for _ in range(3))


def _polygon(cx: float, cy: float, radius: float, corners: int, turn: float, inner: float = 1.0) -> list[tuple]:
    points = []
    steps = corners * (2 if inner < 1 else 1)
    for k in range(steps):
        r = radius * (inner if k % 2 and inner < 1 else 1.0)
        angle = turn + 2 * math.pi * k / steps
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def _luma(colour: tuple[int, int, int]) -> float:
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b


def picture(kind: str, rng: random.Random) -> Image.Image:
    back = _colour(rng)
    fill = _colour(rng)
    while abs(_luma(fill) - _luma(back)) < 70:  # the shape stands out from its background
        fill = _colour(rng)
    image = Image.new("RGB", (SIZE, SIZE), back)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(0, 3)):  # clutter: thin lines that are no shape
        draw.line([(rng.uniform(0, SIZE), rng.uniform(0, SIZE)) for _ in range(2)], fill=_colour(rng), width=1)
    radius = rng.uniform(0.28, 0.42) * SIZE
    cx, cy = (rng.uniform(radius, SIZE - radius) for _ in range(2))
    turn = rng.uniform(0, 2 * math.pi)
    if kind == "circle":
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=fill)
    elif kind == "square":
        draw.polygon(_polygon(cx, cy, radius, 4, turn), fill=fill)
    elif kind == "triangle":
        draw.polygon(_polygon(cx, cy, radius, 3, turn), fill=fill)
    else:
        draw.polygon(_polygon(cx, cy, radius, 5, turn, inner=0.45), fill=fill)
    return image.filter(ImageFilter.GaussianBlur(0.6))


def main() -> None:
    rng = random.Random(2026)
    shutil.rmtree(ROOT, ignore_errors=True)
    for kind in CLASSES:
        (ROOT / kind).mkdir(parents=True)
        for n in range(PER_CLASS):
            picture(kind, rng).save(ROOT / kind / f"{kind}-{n:03d}.jpg", quality=90)


if __name__ == "__main__":
    main()
