"""Generated ratings for recommendation: users rate items by how well their tastes meet the items'
qualities (a low-rank model), items come in genres, and only some ratings are known."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import SEED, VAL_FRACTION, Data, DataError, DatasetSpec, generator, register_dataset, split

GENRES = 4


def _ratings(params: dict[str, Any], base_dir: Path | None) -> Data:
    g = generator(params["seed"])
    users, items, known = params["users"], params["items"], params["known"]
    rank = GENRES
    genre = torch.arange(items) % rank  # (items,)
    qualities = 1.2 * torch.eye(rank)[genre] + 0.3 * torch.randn(items, rank, generator=g)  # (items, rank)
    tastes = 0.8 * torch.randn(users, rank, generator=g)  # (users, rank)
    pairs = torch.randperm(users * items, generator=g)[: round(users * items * known)]
    if len(pairs) < 10:
        raise DataError(f"known={known} leaves only {len(pairs)} ratings: raise it")
    user, item = pairs // items, pairs % items
    score = 3 + (tastes[user] * qualities[item]).sum(1) + params["noise"] * torch.randn(len(pairs), generator=g)
    fields = {"user": user[:, None], "item": item[:, None], "y": score.clamp(1, 5)[:, None]}
    train, val = split(fields, params["val_fraction"], params["seed"])
    return Data(
        "ratings",
        "regression",
        train,
        val,
        info={"groups": {"item": genre.tolist()}},  # the genre of every item, for colouring its embedding
    )


register_dataset(
    DatasetSpec(
        id="ratings",
        title="Ratings (users x items)",
        description="Generated 1-5 star ratings of items in four genres; a quarter of them known.",
        kind="regression",
        build=_ratings,
        params=(
            ParamSpec("users", "int", 300, "How many users", min=2, max=100_000),
            ParamSpec("items", "int", 200, "How many items", min=2, max=100_000),
            ParamSpec("known", "float", 0.25, "Share of all (user, item) ratings that are known", min=0.001, max=1.0),
            ParamSpec("noise", "float", 0.3, "Spread of each rating around the user's true liking", min=0.0, max=2.0),
            VAL_FRACTION,
            SEED,
        ),
    )
)
