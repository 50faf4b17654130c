"""Node classification: the whole graph is one batch; the loss counts only the labelled nodes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.tasks.base import StepContext, StepResult, Task, TaskError


class NodeClassificationTask(Task):
    id = "node_classification"
    kinds = ("graph",)
    answers = ("y",)

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        self.fields = self.bind_inputs(data.train)
        self.scorer = self.classifier()
        out = tuple(self.output_shape()[1:])
        if out != (data.num_classes,):
            raise TaskError(
                f"Output '{self.single_output()}' receives {format_shape(('nodes', *out))} but dataset "
                f"'{data.id}' has {data.num_classes} classes: give the last layer {data.num_classes} outputs"
            )

    @property
    def examples(self) -> int:
        return 1  # one step sees the whole graph: an epoch per step

    def scores(self, split: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.scorer(*(split[f] for f in self.fields))  # (nodes, classes)

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        split = self.data.train
        mask = split["mask"]
        loss = F.cross_entropy(self.scores(split)[mask], split["y"][mask])
        return StepResult(ctx.update("model", loss), 1)

    def evaluate(self) -> dict[str, float]:
        with evaluating(self.model):
            results = {}
            for prefix, split in (("train", self.data.train), ("val", self.data.val)):
                mask = split["mask"]
                scores, y = self.scores(split)[mask], split["y"][mask]
                results[f"{prefix}_loss"] = F.cross_entropy(scores, y).item()
                results[f"{prefix}_accuracy"] = (scores.argmax(-1) == y).float().mean().item()
            return results

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        return tuple(self.data.val[f] for f in self.fields)  # a graph is probed whole
