"""What a project holds: its network, dataset, training settings, quality target and notes. The file
that keeps them is project.py's (reading, migrating, writing)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from playground.core.graph import Graph
from playground.core.registry import ParamSpec, type_title


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
    record_mb: int = _setting(
        "int",
        256,
        "Memory the time machine keeps a run's keyframes in, MB (0: no recording)",
        SettingUse("form", live=False, script=""),
        min=0,
        max=1 << 20,
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

    def with_setting(self, name: str, value: Any) -> TrainingConfig:
        """These settings with ``name`` set to ``value``."""
        return dataclasses.replace(self, **{name: value})

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


COUNTED = ("params", "blocks", "only", "steps")
"""Goals on the network or the run rather than on a validation metric."""


@dataclass(frozen=True)
class Goal:
    """One checkable goal. ``measure``: a validation metric ("val_accuracy", "val_loss"), "params" (the
    network's weights), "blocks" (blocks of ``block_type``), "only" (no block types but ``types``) or
    "steps" (the metric goals all met within that many training steps)."""

    measure: str
    at_least: float | None = None
    at_most: float | None = None
    block_type: str = ""
    types: tuple[str, ...] = ()

    @classmethod
    def bounded(cls, measure: str, bound: str, value: float, block_type: str = "") -> Goal:
        """A goal with its one bound (``bound``: "at_least" or "at_most")."""
        low, high = (value, None) if bound == "at_least" else (None, value)
        return cls(measure, at_least=low, at_most=high, block_type=block_type)

    @property
    def is_metric(self) -> bool:
        return self.measure not in COUNTED

    def text(self) -> str:
        """The goal as the student reads it: "val_accuracy ≥ 0.95", "at most 200 parameters"."""
        if self.measure == "only":
            return "only " + ", ".join(type_title(t) for t in self.types) + " blocks"
        if self.measure == "params":
            return f"at most {int(self.at_most or 0):,} parameters"
        if self.measure == "blocks":
            bound = (
                f"at least {int(self.at_least):,}"
                if self.at_least is not None
                else f"at most {int(self.at_most or 0):,}"
            )
            return f"{bound} {type_title(self.block_type)} blocks"
        if self.measure == "steps":
            return f"metric goals met within {int(self.at_most or 0):,} steps"
        if self.at_least is not None:
            return f"{self.measure} ≥ {self.at_least:g}"
        return f"{self.measure} ≤ {self.at_most:g}"

    def met(self, value: float, tolerance: float = 0.0) -> bool:
        """Whether ``value`` of this goal's measure meets it (a metric within ``tolerance``)."""
        if not math.isfinite(value):
            return False
        slack = tolerance if self.is_metric else 0.0
        if self.at_least is not None and value < self.at_least - slack:
            return False
        return self.at_most is None or value <= self.at_most + slack


@dataclass(frozen=True)
class Locks:
    """``blocks``: top-level blocks (with their insides, and the wires between two of them) the student
    cannot change, move, delete or rewire; ``settings``: "dataset" and training settings the student
    cannot change; ``hidden``: training settings, "dataset" and stage views ("curves", "data", "block")
    not shown to the student. A hidden setting is kept too: what the student cannot see, the student
    cannot have meant to change (a hidden ``compile`` changed by hand in the file changed the grade).
    ``data``: the dataset fields a network's Inputs may read (none named: any but the answers)."""

    blocks: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    data: tuple[str, ...] = ()

    @property
    def kept_settings(self) -> tuple[str, ...]:
        """The settings kept as the assignment has them: the locked ones, and the hidden ones."""
        return (
            *self.settings,
            *(name for name in self.hidden if name not in self.settings and name not in STAGE_VIEWS),
        )


@dataclass(frozen=True)
class Assignment:
    """``steps``: how many steps grading trains, with the project's seed; ``source``: the assignment
    file a student's project came from ("" in the assignment itself); ``test``: the share of the training
    examples held out (by the dataset's seed), never trained on nor shown, that grading measures the
    metric goals on (0: none, the goals are measured on the validation split the student watches)."""

    brief: str = ""
    locks: Locks = Locks()
    goals: tuple[Goal, ...] = ()
    steps: int = 1000
    source: str = ""
    test: float = 0.0


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
