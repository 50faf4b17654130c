"""Supervised learning: classification (cross-entropy, binary cross-entropy, NLL) and regression (MSE,
Huber, and the Gaussian negative log-likelihood of a network that predicts its own noise)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.probes import Probe
from playground.nn.tasks.base import ShuffledTask, StepContext, StepResult, TaskError, batched

EVAL_CHUNK = 4096
TRAIN_EVAL_LIMIT = 4096
LATENT_POINTS = 500  # validation examples whose codes an autoencoder's pictures show
PICTURE_EXAMPLES = 4


class SupervisedTask(ShuffledTask):
    """Inputs from dataset fields, one Output compared with the target field (``y``)."""

    answers: ClassVar[tuple[str, ...]] = ("y",)
    losses: tuple[str, ...] = ()

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        self.fields = self.bind_inputs(data.train)
        self.target = self.target_field()
        self.out_block = self.single_output()
        self.scorer = self.scoring_model()
        self.trainable = self.scorer  # what training steps run through (wrapped to train in several processes)
        self.loss_name = self.resolve_loss(config.loss)
        self.predicts_noise = self.loss_name == "gaussian_nll"
        self.check_output(tuple(self.output_shape()[1:]), tuple(data.train[self.target].shape[1:]))
        self.shuffle(len(data.train[self.target]))

    def target_field(self) -> str:
        return "y"

    def scoring_model(self) -> torch.nn.Module:
        """What the loss and the metrics read: the network's output, unless a recipe says otherwise."""
        return self.model

    def resolve_loss(self, name: str) -> str:
        if name == "auto":
            return self.losses[0]
        if name not in self.losses:
            raise TaskError(f"loss '{name}' does not fit the '{self.id}' task: use one of {', '.join(self.losses)}")
        return name

    def train_through(self, wrap: Callable[[torch.nn.Module], torch.nn.Module]) -> bool:
        self.trainable = wrap(self.trainable)
        return True

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        batch = self.batches.next(batch_size)
        index = ctx.share(batch)
        inputs = [self.data.train[f][index] for f in self.fields]
        if self.data.augment is not None:
            inputs = [self.data.augment(x) if f == "x" else x for f, x in zip(self.fields, inputs, strict=True)]
        prediction = self.trainable(*inputs)
        loss = self.loss(prediction, self.data.train[self.target][index])
        return StepResult(ctx.update("model", loss), len(batch))

    def evaluate(self) -> dict[str, float]:
        with evaluating(self.model):
            results = {}
            train = {k: v[:TRAIN_EVAL_LIMIT] for k, v in self.data.train.items()}
            for prefix, split in (("train", train), ("val", self.data.val)):
                if len(split[self.target]) == 0:
                    continue
                totals: dict[str, float] = {}
                count = 0
                for chunk in batched([split[f] for f in (*self.fields, self.target)], EVAL_CHUNK):
                    *inputs, y = chunk
                    prediction = self.scorer(*inputs)
                    for name, value in self.measure(prediction, y).items():
                        totals[name] = totals.get(name, 0.0) + value * len(y)
                    count += len(y)
                results.update({f"{prefix}_{name}": value / count for name, value in totals.items()})
            return results

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        return tuple(self.data.val[f][:count] for f in self.fields)

    def probe_loss(self, prediction: torch.Tensor, count: int) -> torch.Tensor:
        return self.loss(prediction, self.data.val[self.target][:count])

    # --- per-recipe -----------------------------------------------------------------
    def check_output(self, out: tuple, target: tuple) -> None:
        raise NotImplementedError

    def loss(self, prediction: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def measure(self, prediction: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        raise NotImplementedError


class ClassificationTask(SupervisedTask):
    id = "classification"
    kinds = ("classification",)
    losses = ("cross_entropy", "bce", "nll")

    def scoring_model(self) -> torch.nn.Module:
        return self.classifier()

    def resolve_loss(self, name: str) -> str:
        if name == "auto":
            single = self.output_shape()[-1] == 1
            return "bce" if single and self.data.num_classes == 2 else "cross_entropy"
        name = super().resolve_loss(name)
        # the loss reads the logits entering a final (Log)Softmax: NLL of their log-softmax is cross-entropy
        return "cross_entropy" if name == "nll" and self.scores_node is not None else name

    def check_output(self, out: tuple, target: tuple) -> None:
        classes = self.data.num_classes
        if self.loss_name == "bce":
            if classes != 2:
                raise TaskError(f"binary cross-entropy needs two classes, but dataset '{self.data.id}' has {classes}")
            expected = (*target, 1)
            fix = "set the last layer to 1 output (a single logit)"
        else:
            expected = (*target, classes)
            fix = f"set the last layer to {classes} outputs, one score per class"
        if out != expected:
            raise TaskError(
                f"Output '{self.out_block}' receives {format_shape(('N', *out))} but {self.loss_name} on dataset "
                f"'{self.data.id}' needs {format_shape(('N', *expected))}: {fix}"
            )

    def loss(self, prediction: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "bce":
            return F.binary_cross_entropy_with_logits(prediction.squeeze(-1), y.float())
        flat = prediction.reshape(-1, prediction.shape[-1])  # (examples * steps, classes)
        if self.loss_name == "nll":
            return F.nll_loss(flat, y.reshape(-1))
        return F.cross_entropy(flat, y.reshape(-1))

    def predict(self, prediction: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "bce":
            return (prediction.squeeze(-1) > 0).long()
        return prediction.argmax(-1)

    def val_predictions(self) -> torch.Tensor:
        """The class the network gives each validation example now (for a mask, each pixel), flattened."""
        with evaluating(self.model):
            chunks = batched([self.data.val[f] for f in self.fields], EVAL_CHUNK)
            return torch.cat([self.predict(self.scorer(*inputs)).reshape(-1) for inputs in chunks])

    def confusion(self) -> np.ndarray | None:
        classes = self.data.num_classes
        if not classes or len(self.data.val["y"]) == 0:
            return None
        pairs = self.data.val["y"].reshape(-1) * classes + self.val_predictions()
        return torch.bincount(pairs, minlength=classes * classes).reshape(classes, classes).cpu().numpy()

    def measure(self, prediction: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        predicted = self.predict(prediction)
        results = {"loss": self.loss(prediction, y).item(), "accuracy": (predicted == y).float().mean().item()}
        if y.dim() >= 3 and self.data.num_classes == 2:  # a mask per example: overlap with the truth
            overlap = (predicted.bool() & y.bool()).sum().item()
            union = (predicted.bool() | y.bool()).sum().item()
            results["iou"] = overlap / union if union else 1.0
        return results


class RegressionTask(SupervisedTask):
    """Predict numbers. With ``gaussian_nll`` the network gives, for every target value, a mean and then
    a log-variance (the last dimension holds all the means, then all the log-variances): it learns the
    noise of the data (aleatoric uncertainty) as torch.nn.GaussianNLLLoss does."""

    id = "regression"
    kinds: ClassVar[tuple[str, ...]] = ("regression",)
    losses: tuple[str, ...] = ("mse", "huber", "gaussian_nll")

    def check_output(self, out: tuple, target: tuple) -> None:
        if self.loss_name == "gaussian_nll":
            expected = (*target[:-1], 2 * target[-1])
            if out != expected:
                raise TaskError(
                    f"Output '{self.out_block}' receives {format_shape(('N', *out))} but the Gaussian NLL loss needs "
                    f"a mean and a log-variance for each target value, {format_shape(('N', *expected))}: "
                    f"set the last layer to {expected[-1]} outputs"
                )
            return
        if out != target:
            raise TaskError(
                f"Output '{self.out_block}' receives {format_shape(('N', *out))} but the targets of dataset "
                f"'{self.data.id}' are {format_shape(('N', *target))}: make the last layer produce that shape"
            )

    def loss(self, prediction: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "gaussian_nll":
            mean, log_var = prediction.chunk(2, dim=-1)
            return F.gaussian_nll_loss(mean, y, log_var.exp())
        if self.loss_name == "huber":
            return F.huber_loss(prediction, y)
        return F.mse_loss(prediction, y)

    def mean(self, prediction: torch.Tensor) -> torch.Tensor:
        """The predicted values (without the log-variances of the Gaussian NLL loss)."""
        return prediction.chunk(2, dim=-1)[0] if self.loss_name == "gaussian_nll" else prediction

    def measure(self, prediction: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        return {"loss": self.loss(prediction, y).item(), "mse": F.mse_loss(self.mean(prediction), y).item()}


class AutoencoderTask(RegressionTask):
    """Reproduce the input at the Output, through a narrow middle (the code): the network has to find a
    compact description of its data. Labels, where the dataset has them, only colour the views."""

    id = "autoencoder"
    kinds = ("classification", "regression", "table")
    answers = ()  # its target is its input, by design
    losses = ("mse", "huber")
    picture_period = 0.2  # with every snapshot: one forward pass
    pictured = ("latent", "reconstructions")

    def target_field(self) -> str:
        if len(self.fields) != 1:
            raise TaskError(f"an autoencoder has one Input to reproduce, but this network has {len(self.fields)}")
        return self.fields[0]

    @functools.cached_property
    def probe(self) -> Probe:
        """Every block's output for a batch (made once: the network does not change during a run)."""
        return Probe(self.compiled)

    def pictures(self) -> dict[str, Any]:
        """The validation examples' codes in the narrowest block (with their labels, if the dataset has
        any) and, for one-channel images, a few inputs with their reconstructions."""
        probe = self.probe
        shown = self.data.val[self.fields[0]][:LATENT_POINTS]
        activations = probe.activations(shown)
        outputs = set(probe.sources) | set(probe.sources.values())
        widths = {k: v.shape[1] for k, v in activations.items() if v.ndim == 2 and v.shape[1] >= 2 and k not in outputs}
        found: dict[str, Any] = {}
        if widths:
            order = list(activations)
            block = min(widths, key=lambda k: (widths[k], order.index(k)))
            given = self.data.val.get("y")
            labels = given[:LATENT_POINTS].cpu().numpy() if given is not None and given.dim() == 1 else None
            found["latent"] = (f"Codes in {block}", activations[block], labels)
        rebuilt = activations[self.out_block]
        if shown.dim() == 4 and shown.shape[1] == 1 and rebuilt.shape == tuple(shown.shape):
            found["reconstructions"] = (
                shown[:PICTURE_EXAMPLES, 0].float().cpu().numpy(),
                rebuilt[:PICTURE_EXAMPLES, 0],
            )
        return found
