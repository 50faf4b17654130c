"""The live views beside the curves, the worker's side: one class per view, each with the id the window
shows it under (ui/plots/data_views.py), the runs it applies to (decided once a run is built, from its
task, data and network, never by preset) and the payload it makes a few times a second (a dataclass of
runtime/messages.py, plain numpy). A view is registered by subclassing ``LiveView`` with its ``kind``
(runtime/live_views.py: the id and payload type the window knows it by).

Pictures a training recipe makes itself (``Task.pictures``: an autoencoder's codes, a GAN's points, ...)
come every ``Task.picture_period``; in between such a view makes nothing and the window keeps the last."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from playground.nn.compile import evaluating
from playground.nn.live.inside import viewable
from playground.nn.probes import Inspection, Probe, line
from playground.nn.tasks.supervised import ClassificationTask
from playground.nn.trainer import Trainer
from playground.runtime.live_views import (
    CURVE,
    EPISODE,
    FORECAST,
    GENERATED,
    GRID,
    LATENT,
    MASKS,
    NODES,
    PREDICTIONS,
    PRIOR,
    RECONSTRUCTIONS,
    WEIGHTS,
    ViewKind,
)
from playground.runtime.messages import (
    Curve,
    Episode,
    Forecast,
    Generated,
    ImageRows,
    Latent,
    Matrix,
    Nodes,
    Points,
    Predictions,
    Withdrawn,
)

VIEWS: dict[str, LiveView] = {}
LINE_RESOLUTION = 200
FORECAST_EXAMPLES = 4
MASK_EXAMPLES = 4
PREDICTED_IMAGES = 12  # validation images shown with the network's guess
MATRIX_SIDE = 64  # rows and columns of a weight matrix drawn (a larger one: its first 64 of each)


@dataclass
class Look:
    """What every view of one snapshot may read: the run, what the probe saw on the probe inputs, the
    recipe's pictures when it is their time (None otherwise), and the block the user looks at."""

    trainer: Trainer
    probe: Probe
    inspection: Inspection
    inputs: tuple[torch.Tensor, ...]
    points: Points | None
    pictures: dict[str, Any] | None
    focus: str | None = None  # the block selected in the window (a top-level block id)


class LiveView:
    kind: ClassVar[ViewKind[Any]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "kind" in cls.__dict__:  # a base of views (RecipePicture) names none
            VIEWS[cls.kind.id] = cls()

    @property
    def id(self) -> str:
        return self.kind.id

    def applies(self, trainer: Trainer) -> bool:
        """Whether this run can have the view at all (its task, data and network)."""
        return True

    def make(self, look: Look) -> object | None:
        """The view's payload now, or None for nothing new."""
        raise NotImplementedError


def applying(trainer: Trainer) -> tuple[str, ...]:
    """The ids of the views this run can have."""
    return tuple(view.id for view in VIEWS.values() if view.applies(trainer))


def make_all(ids: tuple[str, ...], look: Look) -> dict[str, object]:
    """The payloads the views ``ids`` make now (for a Snapshot)."""
    made = {name: VIEWS[name].make(look) for name in ids}
    for name, payload in made.items():
        kind = VIEWS[name].kind
        if payload is not None and not isinstance(payload, kind.payload | Withdrawn):
            raise TypeError(f"the live view {name!r} made a {type(payload).__name__}, not its {kind.payload.__name__}")
    return {name: payload for name, payload in made.items() if payload is not None}


def pca2(values: np.ndarray) -> np.ndarray:
    """Rows of numbers seen along their two principal directions (unchanged when there are two)."""
    if values.shape[1] <= 2:
        return values
    centred = values - values.mean(axis=0)
    return centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T


class CurveView(LiveView):
    """A network with one number in: its output along the input's range, with its uncertainty."""

    kind = CURVE

    def applies(self, trainer: Trainer) -> bool:
        inputs = trainer.compiled.inputs
        return len(inputs) == 1 and tuple(inputs[0].shape[1:]) == (1,)

    def make(self, look: Look) -> Curve | None:
        if look.points is None or look.points.train_x.shape[1] != 1:
            return None
        trainer = look.trainer
        along = line(trainer.compiled, look.points.bounds, LINE_RESOLUTION, variance=trainer.task.predicts_noise)
        epistemic = None if along.std is None else along.std[0]
        return Curve(along.xs, along.mean[0], epistemic, None if along.noise is None else along.noise[0])


class NodesView(LiveView):
    """Each node's predicted class, and the last hidden layer's node features projected to 2-D (PCA)."""

    kind = NODES

    def applies(self, trainer: Trainer) -> bool:
        return trainer.data.kind == "graph"

    def make(self, look: Look) -> Nodes | None:
        compiled, activations = look.trainer.compiled, look.inspection.activations
        output = compiled.outputs[0] if compiled.outputs else None
        scores = activations.get(output) if output else None
        if output is None or scores is None or scores.ndim != 2:
            return None
        source = look.probe.sources.get(output, output)
        hidden = [
            k
            for k, v in activations.items()
            if k not in (output, source) and v.ndim == 2 and len(v) == len(scores) and v.shape[1] >= 2
        ]
        features = activations[hidden[-1]] if hidden else scores
        return Nodes(scores.argmax(axis=1), pca2(features - features.mean(axis=0)))


class ForecastView(LiveView):
    """A network reading windows of one number per step and predicting the next number: a few
    validation windows, what came next, and the network's forecast."""

    kind = FORECAST

    def applies(self, trainer: Trainer) -> bool:
        inputs = trainer.compiled.inputs
        return trainer.data.kind == "regression" and len(inputs) == 1 and len(inputs[0].shape) == 3

    def make(self, look: Look) -> Forecast | None:
        trainer, inputs = look.trainer, look.inputs
        if len(inputs) != 1 or not trainer.compiled.outputs:
            return None
        windows = inputs[0]
        truth = trainer.data.val.get("y")
        predicted = look.inspection.activations.get(trainer.compiled.outputs[0])
        if windows.dim() != 3 or windows.shape[2] != 1 or truth is None or truth.shape[1:] != (1,) or predicted is None:
            return None
        k = min(FORECAST_EXAMPLES, len(windows))
        return Forecast(
            windows[:k, :, 0].float().cpu().numpy(),
            truth[:k, 0].float().cpu().numpy(),
            predicted[:k].reshape(k, -1)[:, 0],
        )


class MasksView(LiveView):
    """A network marking the pixels of one-channel images (a mask per image, one logit per pixel): a
    few validation images, their true masks and the predicted probability per pixel."""

    kind = MASKS

    def applies(self, trainer: Trainer) -> bool:
        inputs = trainer.compiled.inputs
        grey = len(inputs) == 1 and len(inputs[0].shape) == 4 and inputs[0].shape[1] == 1
        return trainer.data.num_classes == 2 and grey

    def make(self, look: Look) -> ImageRows | None:
        trainer, inputs = look.trainer, look.inputs
        truth = trainer.data.val.get("y")
        if len(inputs) != 1 or truth is None or truth.dim() != 3:
            return None
        images = inputs[0]
        logits = trainer.task.scores_node or (trainer.compiled.outputs[0] if trainer.compiled.outputs else None)
        scores = look.inspection.activations.get(logits) if logits else None
        if images.dim() != 4 or images.shape[1] != 1 or scores is None or scores.shape[1:] != (*truth.shape[1:], 1):
            return None
        k = min(MASK_EXAMPLES, len(images))
        probabilities = 1 / (1 + np.exp(-np.clip(scores[:k, ..., 0], -60, 60)))
        return ImageRows((images[:k, 0].float().cpu().numpy(), truth[:k].float().cpu().numpy(), probabilities))


class PredictionsView(LiveView):
    """An image classifier's guesses: the first validation images (always the same ones), each with the
    class the network gives it and, when that is wrong, the true one."""

    kind = PREDICTIONS

    def applies(self, trainer: Trainer) -> bool:
        x = trainer.data.val.get("x")
        labels = trainer.data.val.get("y")
        return (
            trainer.task.id == "classification"
            and bool(trainer.data.vocab)
            and x is not None
            and x.dim() == 4
            and x.shape[1] in (1, 3)
            and labels is not None
            and labels.dim() == 1
        )

    def make(self, look: Look) -> Predictions | None:
        trainer, task = look.trainer, look.trainer.task
        x = trainer.data.val["x"][:PREDICTED_IMAGES]
        if len(x) == 0 or not isinstance(task, ClassificationTask):
            return None
        with evaluating(trainer.model):
            predicted = task.predict(task.scorer(x))
        return Predictions(
            viewable(x, trainer.data),
            trainer.data.val["y"][:PREDICTED_IMAGES].cpu().numpy(),
            predicted.cpu().numpy(),
            tuple(trainer.data.vocab or ()),
        )


class LatentView(LiveView):
    """Codes seen in 2-D: what the recipe pictures (an autoencoder's or a VAE's codes), or else the
    table of an Embedding block that reads an Input whose values fall into known groups (items of a
    genre, say), one point per row coloured by its group."""

    kind = LATENT

    def applies(self, trainer: Trainer) -> bool:
        return self.kind.id in trainer.task.pictured or bool(trainer.data.info.get("groups"))

    def make(self, look: Look) -> Latent | None:
        if look.pictures and "latent" in look.pictures:
            title, codes, labels = look.pictures["latent"]
            return Latent(title, pca2(codes), labels)
        return self._embeddings(look.trainer)

    @staticmethod
    def _embeddings(trainer: Trainer) -> Latent | None:
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
                table = layer.weight.detach().float().cpu().numpy().copy()
                return Latent(f"Rows of {node.target} (one per {field})", pca2(table), np.asarray(groups[field]))
        return None


class WeightMatrixView(LiveView):
    """The selected Linear block's weights as a heatmap, one row per output unit and one column per
    input: which inputs each unit weighs up (blue) or down (orange), and how that changes as it learns.
    Not for a network of two numbers in: the neuron view draws its weights as lines already."""

    kind = WEIGHTS

    def applies(self, trainer: Trainer) -> bool:
        inputs = trainer.compiled.inputs
        plane = len(inputs) == 1 and tuple(inputs[0].shape[1:]) == (2,)
        return not plane and any(isinstance(module, torch.nn.Linear) for module in trainer.model.children())

    def make(self, look: Look) -> Matrix | Withdrawn:
        model = look.trainer.model
        layer = getattr(model, look.focus, None) if look.focus else None
        if not isinstance(layer, torch.nn.Linear):
            return Withdrawn()  # no Linear selected (any more): its matrix is not left on screen
        weight = layer.weight.detach()
        shown = weight[:MATRIX_SIDE, :MATRIX_SIDE].float().cpu().numpy().copy()
        return Matrix(f"{look.focus} weights", shown, (weight.shape[0], weight.shape[1]))


class RecipePicture(LiveView):
    """A picture only the training recipe makes (``Task.pictures`` under the view's id)."""

    def applies(self, trainer: Trainer) -> bool:
        return self.kind.id in trainer.task.pictured

    def make(self, look: Look) -> object | None:
        found = look.pictures.get(self.kind.id) if look.pictures else None
        return None if found is None else self.payload(found)

    def payload(self, found: Any) -> object:
        return ImageRows(tuple(found))


class ReconstructionsView(RecipePicture):
    kind = RECONSTRUCTIONS  # inputs, and what the network rebuilt of them


class GridView(RecipePicture):
    kind = GRID  # rows of images decoded over the latent plane


class PriorView(RecipePicture):
    kind = PRIOR  # rows of images decoded from codes drawn from the prior


class GeneratedView(RecipePicture):
    kind = GENERATED  # a generative model's 2-D points over its data

    def payload(self, found: Any) -> object:
        return Generated(**found)


class EpisodeView(RecipePicture):
    kind = EPISODE  # a control task played once

    def payload(self, found: Any) -> object:
        return Episode(**found)
