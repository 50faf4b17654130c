"""Datasets shipped in assets/: the 8x8 handwritten digits, 5,000 MNIST digits and a public-domain text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import ASSETS, SEED, VAL_FRACTION, Data, DataError, DatasetSpec, register_dataset, split


def _images(dataset_id: str, file: str, top: float):
    """A bundled set of one-channel digit images (uint8 ``images`` up to ``top``, ``labels`` 0 to 9)."""

    def build(params: dict[str, Any], base_dir: Path | None) -> Data:
        with np.load(ASSETS / file, allow_pickle=False) as archive:
            images = torch.from_numpy(archive["images"].astype(np.float32) / top).unsqueeze(1)  # (n, 1, H, W)
            labels = torch.from_numpy(archive["labels"].astype(np.int64))
        train, val = split({"x": images, "y": labels}, params["val_fraction"], params["seed"])
        return Data(dataset_id, "classification", train, val, num_classes=10)

    return build


for _id, _title, _about, _file, _top in (
    ("digits", "Handwritten digits", "1,797 handwritten digits as 8x8 grey images, ten classes.", "digits.npz", 16.0),
    (
        "mnist",
        "MNIST digits",
        "5,000 of MNIST's 28x28 handwritten digits (500 per class), grey values 0 to 1.",
        "mnist.npz",
        255.0,
    ),
):
    register_dataset(
        DatasetSpec(
            id=_id,
            title=_title,
            description=_about,
            kind="classification",
            build=_images(_id, _file, _top),
            params=(VAL_FRACTION, SEED),
        )
    )


def encode_text(text: str) -> tuple[list[str], torch.Tensor]:
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    return vocab, torch.tensor([index[c] for c in text], dtype=torch.long)


def _text(params: dict[str, Any], base_dir: Path | None) -> Data:
    text = (ASSETS / "shakespeare.txt").read_text(encoding="utf-8")
    vocab, tokens = encode_text(text)
    cut = int(len(tokens) * (1 - params["val_fraction"]))
    if cut < 2 or len(tokens) - cut < 2:
        raise DataError("val_fraction leaves too little text for training or validation")
    return Data(
        "text",
        "text",
        {"tokens": tokens[:cut]},
        {"tokens": tokens[cut:]},
        vocab=vocab,
        info={"source": "Shakespeare, Coriolanus (public domain)"},
    )


register_dataset(
    DatasetSpec(
        id="text",
        title="Shakespeare (characters)",
        description="About 32 KB of Shakespeare as a stream of characters, for language models.",
        kind="text",
        build=_text,
        params=(
            ParamSpec(
                "val_fraction", "float", 0.1, "Share of the text (at the end) kept for validation", min=0.01, max=0.5
            ),
        ),
    )
)
