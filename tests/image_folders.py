"""Image folders for tests, written with Pillow from the bundled MNIST digits: one subfolder per class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from playground.nn.data.base import ASSETS


def digit_folder(root: Path, classes: tuple[int, ...] = (0, 1, 7), per_class: int = 12, kinds: str = "png jpg") -> Path:
    """``root/<digit>/<n>.<kind>``: MNIST digits as 28x28 colour images (the digit drawn in a colour of its
    class), the files alternating between the given formats. Returns ``root``."""
    with np.load(ASSETS / "mnist.npz", allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    formats = kinds.split()
    for digit in classes:
        folder = root / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        picked = images[labels == digit][:per_class]
        tint = np.array([(255, 60, 60), (60, 200, 60), (60, 60, 255), (200, 200, 0)][digit % 4], dtype=np.float64)
        for n, image in enumerate(picked):
            rgb = (image[:, :, None] / 255.0 * tint).astype(np.uint8)
            kind = formats[n % len(formats)]
            Image.fromarray(rgb, "RGB").save(folder / f"{n:03d}.{kind}", quality=95)
    return root
