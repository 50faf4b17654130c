"""What every dataset is: named tensors per split, a registry of generators, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from playground.core.project_types import DatasetRef, Project
from playground.core.registry import ParamSpec
from playground.host import bundled

ASSETS = bundled("assets") / "datasets"


class DataError(Exception):
    """A dataset that cannot be made or read, said plainly (file, line, column or parameter)."""


@dataclass
class Data:
    """A dataset ready to train on.

    ``train`` and ``val`` map field names (``x``, ``y``, ``adjacency``, ``tokens``, ...)
    to tensors whose first dimension is the example (or, for graphs, the node).
    Small datasets are moved to the training device once, whole.
    """

    id: str
    kind: str  # "classification", "regression", "text", "graph", "table", "control"
    train: dict[str, torch.Tensor]
    val: dict[str, torch.Tensor]
    num_classes: int | None = None
    vocab: list[str] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    note: str = ""  # what reading the data decided on its own, and the setting that decides otherwise
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None  # varies a training batch of ``x`` at each step
    test: dict[str, torch.Tensor] | None = None  # an assignment's held-out examples (see held_out), never trained on

    def to(self, device: torch.device | str) -> Data:
        def move(split: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            return {k: v.to(device) for k, v in split.items()}

        return replace(
            self, train=move(self.train), val=move(self.val), test=None if self.test is None else move(self.test)
        )

    def example_shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.train[name].shape[1:])


Builder = Callable[[dict[str, Any], Path | None], Data]


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    title: str
    description: str
    kind: str
    build: Builder
    params: tuple[ParamSpec, ...] = ()

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


_DATASETS: dict[str, DatasetSpec] = {}


def register_dataset(spec: DatasetSpec) -> DatasetSpec:
    if spec.id in _DATASETS:
        raise ValueError(f"dataset {spec.id!r} is registered twice")
    _DATASETS[spec.id] = spec
    return spec


KIND_ORDER = ("classification", "regression", "text", "graph", "table", "control")


def all_datasets() -> list[DatasetSpec]:
    """Every dataset, grouped by kind in teaching order (generated 2-D sets before files)."""
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return sorted(_DATASETS.values(), key=lambda spec: rank.get(spec.kind, len(rank)))


def get_dataset(dataset_id: str) -> DatasetSpec:
    try:
        return _DATASETS[dataset_id]
    except KeyError:
        known = ", ".join(sorted(_DATASETS))
        raise DataError(f"there is no dataset '{dataset_id}' (known: {known})") from None


def resolve(ref: DatasetRef) -> tuple[DatasetSpec, dict[str, Any]]:
    """The dataset's spec and its parameters, defaults filled in and every value checked."""
    spec = get_dataset(ref.id)
    params = spec.defaults()
    known = {p.name: p for p in spec.params}
    for name, value in ref.params.items():
        if name not in known:
            raise DataError(f"dataset '{ref.id}' has no parameter '{name}' (it has: {', '.join(known) or 'none'})")
        try:
            params[name] = known[name].validate(value)
        except ValueError as exc:
            raise DataError(f"dataset '{ref.id}': {name} {exc}") from None
    return spec, params


def load_data(ref: DatasetRef, base_dir: Path | None = None) -> Data:
    spec, params = resolve(ref)
    return spec.build(params, base_dir)


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def split(tensors: dict[str, torch.Tensor], val_fraction: float, seed: int) -> tuple[dict, dict]:
    """A seeded random split of examples into train and validation."""
    n = next(iter(tensors.values())).shape[0]
    order = torch.randperm(n, generator=generator(seed + 7919))
    n_val = max(1, round(n * val_fraction)) if val_fraction > 0 else 0
    if n - n_val < 1:
        raise DataError(f"{n} examples are too few to keep {val_fraction:.0%} for validation")
    val_idx, train_idx = order[:n_val], order[n_val:]
    return {k: v[train_idx] for k, v in tensors.items()}, {k: v[val_idx] for k, v in tensors.items()}


HELD_OUT_SEED = 15_485_863  # added to the dataset's seed: the held-out examples differ from the validation ones


def held_out(data: Data, project: Project) -> Data:
    """``data`` with an assignment's test share of the training examples taken out into ``test`` (chosen
    by the dataset's seed, so every student's copy and the grader hold out the same ones); as it is for a
    project that is no assignment, holds none out, or whose data has its test split already."""
    assignment = project.assignment
    if assignment is None or not assignment.test or data.test is not None:
        return data
    if data.kind not in ("classification", "regression"):
        raise DataError(
            f"an assignment's held-out test set is for classification and regression data, not {data.kind} "
            f"('{data.id}'): set the assignment's test share to 0"
        )
    seed = resolve(project.dataset)[1].get("seed", 0)
    train, test = split(data.train, assignment.test, seed + HELD_OUT_SEED)
    return replace(data, train=train, test=test)


def points_param(default: int, low: int = 10, high: int = 100_000) -> ParamSpec:
    return ParamSpec("points", "int", default, "How many examples to generate", min=low, max=high)


def noise_param(default: float) -> ParamSpec:
    return ParamSpec("noise", "float", default, "How much random noise to add", min=0.0, max=2.0)


VAL_FRACTION = ParamSpec("val_fraction", "float", 0.2, "Share of examples kept for validation", min=0.0, max=0.9)
SEED = ParamSpec("seed", "int", 0, "Seed for generating and splitting the data", min=0, max=(1 << 31) - 1)
