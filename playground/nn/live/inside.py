"""What the worker sees inside a run besides its curves and its live views (views.py): the data points
of a 2-D or 1-D input, the network over the input plane, the focused block in detail, the graph of a
graph dataset. Plain numpy out, no Qt."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import torch
from torch import nn

from playground.core.project_types import DatasetRef
from playground.nn.data.base import Data
from playground.nn.probes import Inspection, Probe, tensor_stats
from playground.nn.tasks.supervised import ClassificationTask
from playground.nn.trainer import Trainer
from playground.runtime.messages import (
    BlockDetail,
    CellImages,
    GraphLayout,
    PlaneLook,
    Points,
    Stats,
    Thumbnails,
)

PLANE_RESOLUTION = 102  # the network's output over the input plane, drawn large and smooth
UNIT_POOL = 3  # each unit's picture, for the blocks and the neuron view: 34 x 34 (drawn smooth)
MAX_UNITS = 16  # per-unit pictures are made for blocks this narrow
MAX_POINTS = 2000
THUMBNAILS = 8  # training images shown per class
CELL_IMAGES = 48  # the most images of one confusion-matrix cell sent


def input_plane(trainer: Trainer, probe: Probe, bounds: tuple[float, float]) -> PlaneLook:
    view = probe.plane(bounds, PLANE_RESOLUTION)
    scores = trainer.task.scores_node
    output = scores if scores in view.blocks else view.output
    size = PLANE_RESOLUTION // UNIT_POOL
    units = {
        k: v.reshape(len(v), size, UNIT_POOL, size, UNIT_POOL).mean(axis=(2, 4))
        for k, v in view.blocks.items()
        if len(v) <= MAX_UNITS
    }
    weights = {
        name: module.weight.detach()
        .float()
        .cpu()
        .numpy()
        .copy()  # a copy: training changes the weights before the message leaves
        for name, module in trainer.model.named_children()
        if isinstance(module, nn.Linear) and max(module.weight.shape) <= MAX_UNITS
    }
    return PlaneLook(units, output, view.blocks.get(output), weights)


def stats(tensor: Any) -> Stats:
    """Mean, spread, norm and histogram of a tensor (probes.tensor_stats, as a message)."""
    found = tensor_stats(tensor)
    return Stats(found.mean, found.std, found.norm, found.counts, found.edges)


def detail(
    trainer: Trainer, inspection: Inspection, inputs: tuple, block: str | None, example: int
) -> BlockDetail | None:
    if block is None:
        return None
    model = trainer.model
    prefix = block + "."
    params = {n[len(prefix) :]: p for n, p in model.named_parameters() if n.startswith(prefix)}
    weights = {n: stats(p) for n, p in params.items()}
    gradients = {n: stats(p.grad) for n, p in params.items() if p.grad is not None}
    activation = inspection.activations.get(block)
    maps = filters = None
    if activation is not None and activation.ndim == 4 and len(activation):
        maps = activation[min(example, len(activation) - 1)]
    weight = params.get("weight")
    if weight is not None and weight.dim() == 4:
        filters = weight.detach()[:, 0].float().cpu().numpy().copy()
    confusion = None
    if block in trainer.compiled.outputs:
        confusion = trainer.task.confusion()
    image, verdict = _example(trainer, inspection, inputs, example) if maps is not None else (None, "")
    return BlockDetail(
        block,
        stats(torch.from_numpy(activation)) if activation is not None and activation.size else None,
        weights,
        gradients,
        maps,
        filters,
        inspection.attention.get(block),
        confusion,
        image,
        verdict,
    )


def _example(trainer: Trainer, inspection: Inspection, inputs: tuple, example: int) -> tuple[np.ndarray | None, str]:
    """The input image the feature maps are for (grey, or colour for three channels), and, for a
    classifier, the class the network gives it beside its true class."""
    images = inputs[0] if inputs else None
    if images is None or images.dim() != 4 or not len(images):
        return None, ""
    index = min(example, len(images) - 1)
    picture = images[index].detach().float().cpu().numpy()
    picture = picture.transpose(1, 2, 0) if picture.shape[0] == 3 else picture[0]
    scores = inspection.activations.get(trainer.compiled.outputs[0]) if trainer.compiled.outputs else None
    labels = trainer.data.val.get("y")
    if not trainer.data.num_classes or scores is None or scores.ndim != 2 or labels is None or labels.dim() != 1:
        return picture, ""
    return picture, f"predicted {int(scores[index].argmax())} · true {int(labels[index])}"


def points(trainer: Trainer) -> Points | None:
    """The data points of a network with one Input of shape [2] (the input-plane view) or [1] (the
    function view)."""
    inputs = trainer.compiled.inputs
    if len(inputs) != 1 or tuple(inputs[0].shape[1:]) not in ((1,), (2,)) or inputs[0].dtype != "float":
        return None
    field = inputs[0].data
    train, val = trainer.data.train, trainer.data.val
    if field not in train or "y" not in train:
        return None
    xs = [split[field][:MAX_POINTS].float().cpu().numpy() for split in (train, val)]
    ys = [
        split["y"][:MAX_POINTS].float().cpu().numpy().reshape(len(x), -1)[:, 0]
        for split, x in zip((train, val), xs, strict=True)
    ]
    if "bounds" in trainer.data.info:  # drawn points: the plane they were drawn on
        return Points(xs[0], ys[0], xs[1], ys[1], tuple(trainer.data.info["bounds"]))
    both = np.concatenate(xs)
    low, high = float(both.min()), float(both.max())
    pad = 0.1 * (high - low or 1.0)
    return Points(xs[0], ys[0], xs[1], ys[1], (low - pad, high + pad))


def graph_layout(trainer: Trainer) -> GraphLayout | None:
    """Node positions for a graph dataset (a spring layout of its adjacency, the same every run)."""
    data = trainer.data
    if data.kind != "graph" or "adjacency" not in data.train:
        return None
    adjacency = data.train["adjacency"].cpu().numpy()
    graph = nx.from_numpy_array((adjacency > 0).astype(int) - np.eye(len(adjacency), dtype=int))
    layout = nx.spring_layout(graph, seed=0)
    positions = np.array([layout[i] for i in range(len(adjacency))])
    edges = np.array([(a, b) for a, b in graph.edges() if a != b]).reshape(-1, 2)
    labels = data.train["y"].cpu().numpy()
    return GraphLayout(positions, edges, labels, data.train["mask"].cpu().numpy())


def viewable(images: torch.Tensor, data: Data) -> np.ndarray:
    """Input images (N, C, H, W) as a viewer shows them, (N, H, W, C) in 0..1: an image folder's with
    its normalisation undone, others stretched to their own range."""
    x = images.detach().float().cpu()
    if "mean" in data.info and "std" in data.info:
        mean, std = (torch.tensor(data.info[k])[:, None, None] for k in ("mean", "std"))
        x = x * std + mean
    else:
        low, high = x.amin(dim=(1, 2, 3), keepdim=True), x.amax(dim=(1, 2, 3), keepdim=True)
        x = (x - low) / (high - low).clamp_min(1e-8)
    return x.clamp(0, 1).permute(0, 2, 3, 1).numpy()


def thumbnails(run: int, dataset: DatasetRef, data: Data) -> Thumbnails:
    """A few training images of each class of an image folder, with the counts and the summary line."""
    labels = data.train["y"].cpu()
    classes = data.vocab or []
    per_class = []
    for label in range(len(classes)):
        chosen = torch.nonzero(labels == label).flatten()[:THUMBNAILS]
        per_class.append(viewable(data.train["x"][chosen.to(data.train["x"].device)], data))
    counts = torch.bincount(torch.cat([labels, data.val["y"].cpu()]), minlength=len(classes)).tolist()
    return Thumbnails(run, dataset, tuple(classes), tuple(counts), tuple(per_class), data.note)


def cell_images(trainer: Trainer, run: int, true: int, predicted: int) -> CellImages | None:
    """The validation images of class ``true`` that the network takes for ``predicted`` now (None when the
    run's examples are not pictures)."""
    x, y = trainer.data.val.get("x"), trainer.data.val.get("y")
    task = trainer.task
    if x is None or y is None or x.dim() != 4 or y.dim() != 1 or not isinstance(task, ClassificationTask):
        return None
    chosen = torch.nonzero((y == true) & (task.val_predictions() == predicted)).flatten()
    files = trainer.data.info.get("val_files", [])
    shown = chosen[:CELL_IMAGES]
    return CellImages(
        run,
        true,
        predicted,
        tuple(trainer.data.vocab or [str(k) for k in range(trainer.data.num_classes or 0)]),
        viewable(x[shown], trainer.data),
        tuple(files[i] if i < len(files) else "" for i in shown.tolist()),
        len(chosen),
    )
