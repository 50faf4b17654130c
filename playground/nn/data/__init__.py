"""Datasets, all offline: generated, bundled in assets/, from networkx, or the user's own files."""

from playground.nn.data import toy2d  # noqa: I001  (registration order: the 2-D sets come first)
from playground.nn.data import drawn
from playground.nn.data import bundled, control, files, graphs, image_folder, images, ratings, regression1d, sequences
from playground.nn.data.base import (
    Data,
    DataError,
    DatasetSpec,
    all_datasets,
    get_dataset,
    held_out,
    load_data,
    resolve,
)

__all__ = [
    "Data",
    "DataError",
    "DatasetSpec",
    "all_datasets",
    "bundled",
    "control",
    "drawn",
    "files",
    "get_dataset",
    "graphs",
    "held_out",
    "image_folder",
    "images",
    "load_data",
    "ratings",
    "regression1d",
    "resolve",
    "sequences",
    "toy2d",
]
