"""What the worker shows of a training run besides its curves, each picked by the shape of the data
and the network (never by preset): the data points, the focused block in detail, the graph of a graph
dataset, forecasts, masks, an embedding table, and whatever the training recipe pictures itself
(``Task.pictures``: an autoencoder's codes, a GAN's points, ...). Plain numpy out, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.runtime.messages import BlockDetail, Episode, Generated, GraphLayout, Points, Stats

PLANE_RESOLUTION = 102  # the network's output over the input plane, drawn large and smooth
UNIT_POOL = 3  # each unit's picture, for the blocks and the neuron view: 34 x 34 (drawn smooth)
MAX_UNITS = 16  # per-unit pictures are made for blocks this narrow
FORECAST_EXAMPLES = 4
MASK_EXAMPLES = 4
MAX_POINTS = 2000


def pca2(values: np.ndarray) -> np.ndarray:
    """Rows of numbers seen along their two principal directions (unchanged when there are two)."""
    if values.shape[1] <= 2:
        return values
    centred = values - values.mean(axis=0)
    return centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T


@dataclass
class InputPlane:
    """What a network with a 2-D input does over the plane: each narrow block's units (34 x 34), the
    block the class regions read (the logits of a classifier ending in Softmax), that block at 102 x 102,
    and the weights of the Linear blocks between narrow layers (the neuron view's lines)."""

    units: dict[str, np.ndarray] = field(default_factory=dict)
    output: str = ""
    fine: np.ndarray | None = None
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def input_plane(trainer: Any, probe: Any, bounds: tuple[float, float]) -> InputPlane:
    from torch import nn

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
        name: module.weight.detach().float().cpu().numpy()
        for name, module in trainer.model.named_children()
        if isinstance(module, nn.Linear) and max(module.weight.shape) <= MAX_UNITS
    }
    return InputPlane(units, output, view.blocks.get(output), weights)


def stats(tensor: Any) -> Stats:
    """Mean, spread, norm and histogram of a tensor (probes.tensor_stats, as a message)."""
    from playground.nn.probes import tensor_stats

    found = tensor_stats(tensor)
    return Stats(found.mean, found.std, found.norm, found.counts, found.edges)


def detail(trainer: Any, inspection: Any, inputs: tuple, block: str | None, example: int) -> BlockDetail | None:
    import torch

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
        filters = weight.detach()[:, 0].float().cpu().numpy()
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


def _example(trainer: Any, inspection: Any, inputs: tuple, example: int) -> tuple[np.ndarray | None, str]:
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


def points(trainer: Any) -> Points | None:
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


def forecast(trainer: Any, inputs: tuple, inspection: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """For a network reading windows of one number per step and predicting the next number: a few
    validation windows, what came next, and the network's forecast."""
    compiled = trainer.compiled
    if trainer.data.kind != "regression" or len(inputs) != 1 or not compiled.outputs:
        return None
    windows = inputs[0]
    truth = trainer.data.val.get("y")
    predicted = inspection.activations.get(compiled.outputs[0])
    if windows.dim() != 3 or windows.shape[2] != 1 or truth is None or truth.shape[1:] != (1,):
        return None
    k = min(FORECAST_EXAMPLES, len(windows))
    return (
        windows[:k, :, 0].float().cpu().numpy(),
        truth[:k, 0].float().cpu().numpy(),
        predicted[:k].reshape(k, -1)[:, 0],
    )


def masks(trainer: Any, inputs: tuple, inspection: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """For a network marking the pixels of one-channel images (a mask per image, one logit per
    pixel): a few validation images, their true masks and the predicted probability per pixel."""
    compiled = trainer.compiled
    truth = trainer.data.val.get("y")
    if trainer.data.num_classes != 2 or len(inputs) != 1 or truth is None or truth.dim() != 3:
        return None
    images = inputs[0]
    logits = trainer.task.scores_node or (compiled.outputs[0] if compiled.outputs else None)
    scores = inspection.activations.get(logits) if logits else None
    if images.dim() != 4 or images.shape[1] != 1 or scores is None or scores.shape[1:] != (*truth.shape[1:], 1):
        return None
    k = min(MASK_EXAMPLES, len(images))
    probabilities = 1 / (1 + np.exp(-np.clip(scores[:k, ..., 0], -60, 60)))
    return images[:k, 0].float().cpu().numpy(), truth[:k].float().cpu().numpy(), probabilities


def graph_layout(trainer: Any) -> GraphLayout | None:
    """Node positions for a graph dataset (a spring layout of its adjacency, the same every run)."""
    import networkx as nx

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


def nodes(trainer: Any, probe: Any, inspection: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Each node's predicted class, and the last hidden layer's node features projected to 2-D (PCA)."""
    compiled = trainer.compiled
    output = compiled.outputs[0] if compiled.outputs else None
    scores = inspection.activations.get(output) if output else None
    if scores is None or scores.ndim != 2:
        return None
    source = probe.sources.get(output, output)
    hidden = [
        k
        for k, v in inspection.activations.items()
        if k not in (output, source) and v.ndim == 2 and len(v) == len(scores) and v.shape[1] >= 2
    ]
    features = inspection.activations[hidden[-1]] if hidden else scores
    return scores.argmax(axis=1), pca2(features - features.mean(axis=0))


def pictures(trainer: Any) -> dict[str, Any]:
    """What the training recipe makes (``Task.pictures``) as Snapshot fields."""
    found = dict(trainer.task.pictures())
    if "latent" in found:
        title, codes, labels = found["latent"]
        found["latent"] = (title, pca2(codes), labels)
    if "generated" in found:
        found["generated"] = Generated(**found["generated"])
    if "episode" in found:
        found["episode"] = Episode(**found["episode"])
    return found


def embeddings(trainer: Any) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The table of an Embedding block that reads an Input whose values fall into known groups
    (items of a genre, say): one point per row, coloured by its group."""
    import torch

    groups = trainer.data.info.get("groups", {})
    if not groups:
        return None
    module = trainer.model
    by_block = {info.block: info.data for info in trainer.compiled.inputs}
    for node in module.graph.nodes:
        if node.op != "call_module" or not node.args or not isinstance(node.args[0], type(node)):
            continue
        layer = module.get_submodule(node.target)
        field = by_block.get(node.args[0].name)
        if isinstance(layer, torch.nn.Embedding) and field in groups:
            table = layer.weight.detach().float().cpu().numpy()
            return f"Rows of {node.target} (one per {field})", pca2(table), np.asarray(groups[field])
    return None
