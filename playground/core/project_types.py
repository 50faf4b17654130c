"""What a project holds: its network, dataset, training settings, quality target and notes. The file
that keeps them is project.py's (reading, migrating, writing)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from playground.core.graph import Graph
from playground.core.registry import ParamSpec

if TYPE_CHECKING:
    from playground.core.assignment import Assignment


def _setting(kind: str, default: Any, doc: str, **limits: Any) -> Any:
    return field(default=default, metadata={"kind": kind, "doc": doc, **limits})


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the recipe (task), the loss, the optimiser and its knobs, the seed."""

    task: str = _setting("name", "classification", "Training recipe")
    loss: str = _setting(
        "choice",
        "auto",
        "Loss function",
        choices=("auto", "cross_entropy", "bce", "mse", "huber", "nll", "gaussian_nll"),
    )
    optimizer: str = _setting("choice", "adam", "Optimiser", choices=("sgd", "adam", "adamw", "rmsprop"))
    lr: float = _setting("float", 0.01, "Learning rate", min=1e-8, max=10.0)
    momentum: float = _setting("float", 0.0, "SGD/RMSprop momentum", min=0.0, max=0.999)
    nesterov: bool = _setting("bool", False, "Nesterov momentum (SGD)")
    weight_decay: float = _setting("float", 0.0, "L2 weight decay", min=0.0, max=1.0)
    batch_size: int = _setting("int", 32, "Examples per step", min=1, max=1 << 20)
    epochs: int = _setting("int", 100, "Epochs a run trains for (0: until stopped)", min=0, max=1_000_000)
    grad_clip: float = _setting("float", 0.0, "Clip the gradient norm to this (0: off)", min=0.0, max=1e6)
    schedule: str = _setting(
        "choice",
        "constant",
        "Learning-rate schedule (cosine: down to 0 over the run's epochs)",
        choices=("constant", "step", "cosine"),
    )
    step_size: int = _setting(
        "int", 1000, "Steps between decays (step schedule; cosine's length when epochs is 0)", min=1, max=1 << 30
    )
    gamma: float = _setting("float", 0.5, "Decay factor (step schedule)", min=0.0, max=1.0)
    seed: int = _setting("int", 0, "Random seed", min=0, max=(1 << 31) - 1)
    compile: bool = _setting(
        "bool", False, "Compile the network with torch.compile (pays off in long runs of large networks)"
    )
    # Knobs of particular recipes (each task names the ones it reads; the panel shows only those).
    kl_weight: float = _setting(
        "float", 1.0, "Weight of the KL term (VAE; 0 makes a plain autoencoder)", min=0.0, max=100.0
    )
    critic_steps: int = _setting("int", 1, "Discriminator updates per generator update (GAN)", min=1, max=50)
    noise_steps: int = _setting("int", 100, "Noise levels between data and pure noise (diffusion)", min=2, max=1000)
    noise_schedule: str = _setting("choice", "cosine", "How the noise grows (diffusion)", choices=("cosine", "linear"))
    discount: float = _setting("float", 0.99, "Discount of later rewards (policy gradient)", min=0.0, max=1.0)

    @classmethod
    def specs(cls) -> dict[str, ParamSpec]:
        out = {}
        for f in dataclasses.fields(cls):
            meta = dict(f.metadata)
            out[f.name] = ParamSpec(f.name, meta.pop("kind"), f.default, meta.pop("doc"), **meta)
        return out


RECIPE_KNOBS = ("kl_weight", "critic_steps", "noise_steps", "noise_schedule", "discount")
"""Training settings that only some tasks read (each task lists its own in ``Task.knobs``)."""


@dataclass(frozen=True)
class DatasetRef:
    """Which dataset feeds the network (by id) and its parameters (noise, points, ...)."""

    id: str = "spiral"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expected:
    """A quality target the project is known to reach: ``metric`` above/below ``threshold`` within ``steps``."""

    metric: str
    threshold: float
    steps: int
    goal: str = "above"

    def reached(self, value: float) -> bool:
        return value >= self.threshold if self.goal == "above" else value <= self.threshold


STAGE_VIEWS = ("curves", "data", "block")
"""What presentation mode can show under the network: the loss and metric curves, the views of the data
and what the network answers (the input plane, samples, forecasts, ...), and the block it follows
(feature maps and filters with the input example and its prediction, an attention map, a confusion
matrix)."""


@dataclass(frozen=True)
class Stage:
    """What presentation mode shows for this lecture: ``views`` (of STAGE_VIEWS, in that order) and the
    top-level block whose inside the "block" view shows (``follow``; "" for none, until one is clicked)."""

    views: tuple[str, ...] = STAGE_VIEWS
    follow: str = ""


@dataclass
class Project:
    graph: Graph = field(default_factory=Graph)
    title: str = "Untitled"
    description: str = ""
    lecture: int = 0
    notes: str = ""
    dataset: DatasetRef = field(default_factory=DatasetRef)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    expected: Expected | None = None
    stage: Stage = field(default_factory=Stage)
    assignment: Assignment | None = None
