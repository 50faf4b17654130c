"""Training recipes. A task is chosen by ``training.task`` in the project file."""

from __future__ import annotations

import torch

from playground.core.project_types import TrainingConfig
from playground.nn.compile import CompiledModel
from playground.nn.data.base import Data
from playground.nn.tasks.base import (
    Diverged,
    OutOfMemory,
    StepContext,
    StepResult,
    Task,
    TaskError,
    TrainingStopped,
    diverged,
)
from playground.nn.tasks.diffusion import DiffusionTask
from playground.nn.tasks.gan import GANTask
from playground.nn.tasks.language_model import LanguageModelTask
from playground.nn.tasks.node_classification import NodeClassificationTask
from playground.nn.tasks.policy_gradient import PolicyGradientTask
from playground.nn.tasks.supervised import AutoencoderTask, ClassificationTask, RegressionTask
from playground.nn.tasks.vae import VAETask

TASKS: dict[str, type[Task]] = {
    cls.id: cls
    for cls in (
        ClassificationTask,
        RegressionTask,
        AutoencoderTask,
        VAETask,
        GANTask,
        DiffusionTask,
        LanguageModelTask,
        NodeClassificationTask,
        PolicyGradientTask,
    )
}


def make_task(compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> Task:
    try:
        cls = TASKS[config.task]
    except KeyError:
        raise TaskError(f"there is no task '{config.task}' (known: {', '.join(TASKS)})") from None
    return cls(compiled, data, config, device)


__all__ = [
    "TASKS",
    "Diverged",
    "OutOfMemory",
    "StepContext",
    "StepResult",
    "Task",
    "TaskError",
    "TrainingStopped",
    "diverged",
    "make_task",
]
