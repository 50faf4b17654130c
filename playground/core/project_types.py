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


@dataclass(frozen=True)
class SettingUse:
    """What a training setting does beyond its value, declared once with it (``TrainingConfig``'s table).

    ``panel``: "own" (the training panel's own control: the recipe list, the learning-rate slider),
    "form" (a row of the panel's settings form) or "recipe" (a row shown only while the chosen recipe reads
    it: ``Task.knobs``). ``live``: a running trainer takes a change at once (``Trainer.apply_config``);
    otherwise the change waits for a fresh start. ``script``: "value" (an exported train.py's ``SETTINGS``
    holds it as set), "derived" (it holds what the recipe makes of it: the loss a recipe chose, one epoch for
    a run until stopped) or "" (train.py does not read it). Every setting can be locked or hidden by an
    assignment (``core/assignment.setting_names``)."""

    panel: str
    live: bool
    script: str


def _setting(kind: str, default: Any, doc: str, use: SettingUse, **limits: Any) -> Any:
    return field(default=default, metadata={"kind": kind, "doc": doc, "use": use, **limits})


FORM_LIVE = SettingUse("form", live=True, script="value")
RECIPE = SettingUse("recipe", live=True, script="")


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the recipe (task), the loss, the optimiser and its knobs, the seed.

    This is the table of training settings: each field declares its kind, default, range and help (the
    reader's check and the panel's editor come from them) and its ``SettingUse`` (where the panel shows
    it, whether a running trainer takes it, what train.py gets). Every list of settings by behaviour is
    derived from it with ``settings_where``. A new setting is one field here and its use in the trainer
    (CONTRIBUTING.md)."""

    task: str = _setting("name", "classification", "Training recipe", SettingUse("own", live=False, script="derived"))
    loss: str = _setting(
        "choice",
        "auto",
        "Loss function",
        SettingUse("form", live=False, script="derived"),
        choices=("auto", "cross_entropy", "bce", "mse", "huber", "nll", "gaussian_nll"),
    )
    optimizer: str = _setting("choice", "adam", "Optimiser", FORM_LIVE, choices=("sgd", "adam", "adamw", "rmsprop"))
    lr: float = _setting(
        "float", 0.01, "Learning rate", SettingUse("own", live=True, script="value"), min=1e-8, max=10.0
    )
    momentum: float = _setting("float", 0.0, "SGD/RMSprop momentum", FORM_LIVE, min=0.0, max=0.999)
    nesterov: bool = _setting("bool", False, "Nesterov momentum (SGD)", FORM_LIVE)
    weight_decay: float = _setting("float", 0.0, "L2 weight decay", FORM_LIVE, min=0.0, max=1.0)
    batch_size: int = _setting("int", 32, "Examples per step", FORM_LIVE, min=1, max=1 << 20)
    epochs: int = _setting(
        "int",
        100,
        "Epochs a run trains for (0: until stopped)",
        SettingUse("form", live=True, script="derived"),
        min=0,
        max=1_000_000,
    )
    grad_clip: float = _setting("float", 0.0, "Clip the gradient norm to this (0: off)", FORM_LIVE, min=0.0, max=1e6)
    schedule: str = _setting(
        "choice",
        "constant",
        "Learning-rate schedule (cosine: down to 0 over the run's epochs)",
        FORM_LIVE,
        choices=("constant", "step", "cosine"),
    )
    step_size: int = _setting(
        "int",
        1000,
        "Steps between decays (step schedule; cosine's length when epochs is 0)",
        FORM_LIVE,
        min=1,
        max=1 << 30,
    )
    gamma: float = _setting("float", 0.5, "Decay factor (step schedule)", FORM_LIVE, min=0.0, max=1.0)
    seed: int = _setting(
        "int", 0, "Random seed", SettingUse("form", live=False, script="value"), min=0, max=(1 << 31) - 1
    )
    compile: bool = _setting(
        "bool",
        False,
        "Compile the network with torch.compile (pays off in long runs of large networks)",
        SettingUse("form", live=False, script=""),
    )
    # Knobs of particular recipes (each task names the ones it reads; the panel shows only those).
    kl_weight: float = _setting(
        "float",
        1.0,
        "Weight of the KL term (VAE; 0 makes a plain autoencoder)",
        SettingUse("recipe", live=True, script="derived"),
        min=0.0,
        max=100.0,
    )
    critic_steps: int = _setting("int", 1, "Discriminator updates per generator update (GAN)", RECIPE, min=1, max=50)
    noise_steps: int = _setting(
        "int", 100, "Noise levels between data and pure noise (diffusion)", RECIPE, min=2, max=1000
    )
    noise_schedule: str = _setting(
        "choice", "cosine", "How the noise grows (diffusion)", RECIPE, choices=("cosine", "linear")
    )
    discount: float = _setting("float", 0.99, "Discount of later rewards (policy gradient)", RECIPE, min=0.0, max=1.0)

    @classmethod
    def specs(cls) -> dict[str, ParamSpec]:
        out = {}
        for f in dataclasses.fields(cls):
            meta = dict(f.metadata)
            del meta["use"]
            out[f.name] = ParamSpec(f.name, meta.pop("kind"), f.default, meta.pop("doc"), **meta)
        return out

    @classmethod
    def uses(cls) -> dict[str, SettingUse]:
        """What each setting does beyond its value (see ``SettingUse``)."""
        return {f.name: f.metadata["use"] for f in dataclasses.fields(cls)}


def settings_where(**wanted: Any) -> tuple[str, ...]:
    """The settings whose use matches every ``wanted`` field (``live=True``, ``panel="form"``...), in
    the table's order."""
    return tuple(
        name for name, use in TrainingConfig.uses().items() if all(getattr(use, k) == v for k, v in wanted.items())
    )


RECIPE_KNOBS = settings_where(panel="recipe")
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
