"""How many CPU threads torch computes with: by the size of the network's largest operation.

Small operations finish before extra threads have started: a tiny network trains fastest on one
thread, and with another program busy on every core, torch's default of one thread per core makes
it fight that program for every step (measured here: the spiral preset 15x slower). A network whose
largest operation is big (a convolution over an image, a transformer's projections) gains from the
cores. ``--threads N``, the app's setting and OMP_NUM_THREADS override the choice.
"""

from __future__ import annotations

import math
import os

import torch

from playground.core.analysis import Analysis
from playground.core.graph import Graph
from playground.core.registry import get_spec
from playground.host import cores

PARALLEL_WORK = 3e6  # multiply-adds in one operation from which a second thread pays off (measured on 2 cores)
WHOLE_SEQUENCE = ("Convolution", "Attention", "Dense", "Normalisation")  # one operation covers every position


def largest_operation(graph: Graph, analysis: Analysis, batch_size: int) -> float:
    """Multiply-adds of the network's largest single operation for one batch: a block's parameters times
    the positions it is applied at (an image's pixels, a sequence's steps) times the batch. A recurrent
    block steps through its sequence one position at a time, so only its parameters count."""
    largest = 0.0
    for block, count in analysis.param_counts.items():
        spec = get_spec(graph.blocks[block].type)
        shapes = analysis.shapes.get(block)
        if not count or spec is None or not shapes:
            continue
        shape = [d for d in shapes[0][1:] if isinstance(d, int)]
        positions = 1
        if spec.category in WHOLE_SEQUENCE and len(shape) >= 2:
            channels = shape[0] if spec.category == "Convolution" else shape[-1]
            positions = math.prod(shape) // max(1, channels)
        largest = max(largest, count * positions * batch_size)
    return largest


def choose(graph: Graph, analysis: Analysis, batch_size: int, spare: int = 0) -> int:
    """One thread for a network of small operations; otherwise every core but ``spare`` (a window's)."""
    if largest_operation(graph, analysis, batch_size) < PARALLEL_WORK:
        return 1
    return max(1, cores() - spare)


def from_environment() -> int | None:
    """OMP_NUM_THREADS, when the user (or torchrun) set it."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def apply(
    graph: Graph, analysis: Analysis, batch_size: int, asked: int | None = None, spare: int = 0
) -> tuple[int, str]:
    """Set torch's intra-op threads; the count and why, for the user ("chosen for a small network")."""
    if asked:
        count, why = asked, "as asked"
    elif (env := from_environment()) is not None:
        count, why = env, "from OMP_NUM_THREADS"
    else:
        count = choose(graph, analysis, batch_size, spare)
        why = "chosen for a network of small operations" if count == 1 else "chosen for a network of large operations"
    torch.set_num_threads(count)
    return count, why
