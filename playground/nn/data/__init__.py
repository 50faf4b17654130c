"""Datasets, all offline: generated, bundled in assets/, from networkx, or the user's own files."""

from playground.nn.data import bundled, files, graphs, regression1d, sequences, toy2d
from playground.nn.data.base import Data, DataError, DatasetSpec, all_datasets, get_dataset, load_data, resolve

__all__ = [
    "Data",
    "DataError",
    "DatasetSpec",
    "all_datasets",
    "bundled",
    "files",
    "get_dataset",
    "graphs",
    "load_data",
    "regression1d",
    "resolve",
    "sequences",
    "toy2d",
]
