"""How a project file of each earlier format version becomes one of the next: ``MIGRATIONS[v]`` turns a
version-``v`` document into a version ``v + 1`` one. Each step says what its version added and why an
older file keeps its meaning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added the recipes' knobs (kl_weight, critic_steps, noise_steps, noise_schedule,
    discount) to the training settings; a version-1 file takes their defaults."""
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 lets input sizes (in_features, in_channels, input_size, num_features, embed_dim, d_model,
    dim) be "auto", taken from the incoming wire, and ``training.epochs`` be 0 (train until stopped). A
    version-2 file holds numbers there and epochs of at least 1, which keep their meaning."""
    return data


def _v3_to_v4(data: dict[str, Any]) -> dict[str, Any]:
    """Version 4 lets a dataset parameter be a list of points, ``[x, y, class]`` rows: the ``drawn``
    dataset, points a student draws on the input plane. A version-3 file has none, and keeps its meaning."""
    return data


def _v4_to_v5(data: dict[str, Any]) -> dict[str, Any]:
    """Version 5 added ``training.compile`` (train through torch.compile); a version-4 file trains
    without it, as it always did."""
    return data


def _v5_to_v6(data: dict[str, Any]) -> dict[str, Any]:
    """Version 6 added groups: a block of type "group" holds its inside as ``"graph"`` (blocks and links,
    its ports Group Input and Group Output blocks), and ``layout.positions`` names the blocks inside by
    path ("layer1.conv1"). A version-5 file has no groups, and keeps its meaning."""
    return data


def _v6_to_v7(data: dict[str, Any]) -> dict[str, Any]:
    """Version 7 added ``stage``: what presentation mode shows for the lecture (``views``, of "curves",
    "data" and "block") and the block it follows (``follow``). A version-6 file has none: it presents
    every view, following no block until one is clicked, as it always did."""
    return data


def _v7_to_v8(data: dict[str, Any]) -> dict[str, Any]:
    """Version 8 added tied weights: ``graph.ties`` maps a weight to the one it shares (``"lm_head.weight":
    "transformer.wte.weight"``, see ties.py). A version-7 file ties nothing, and keeps its meaning."""
    return data


def _v8_to_v9(data: dict[str, Any]) -> dict[str, Any]:
    """Version 9 added ``assignment``: a brief for the student, locks and goals (see assignment.py). A
    version-8 file is no assignment, and keeps its meaning."""
    return data


def _v9_to_v10(data: dict[str, Any]) -> dict[str, Any]:
    """Version 10 added ``assignment.test``, the share of the training examples held out, never trained
    on nor shown, that grading measures the metric goals on, and ``assignment.locks.data``, the dataset
    fields a network may read. A version-9 assignment holds none out (it is graded on the validation
    split, as it was) and lets a network read any field but the answers."""
    return data


def _v10_to_v11(data: dict[str, Any]) -> dict[str, Any]:
    """Version 11 lets a block id hold capital letters, and one inside a group end in numbers after
    hyphens, so that an imported module keeps its layers' names (``Conv2d_1a_3x3``, as torchvision names
    Inception's; ``block1-0``, as RegNet names its blocks) and its weights their keys. A version-10
    file's ids are lower-case, without hyphens, and keep their meaning."""
    return data


def _v11_to_v12(data: dict[str, Any]) -> dict[str, Any]:
    """Version 12 added the training setting ``record_mb``: the memory the time machine keeps a run's
    keyframes in (nn/recording.py). A version-11 file records within the default budget, 256 MB."""
    return data


MIGRATIONS: dict[int, Migration] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
    8: _v8_to_v9,
    9: _v9_to_v10,
    10: _v10_to_v11,
    11: _v11_to_v12,
}
"""``MIGRATIONS[v]`` turns a version-``v`` document into a version ``v + 1`` one."""
