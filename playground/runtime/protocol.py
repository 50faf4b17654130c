"""What the window asks of the training worker: one frozen dataclass per command, posted on the command
pipe as ``(command, number)`` (commands are numbered so that a stop can say which one it answers). The
worker (``playground/nn/live/worker.py``) is started by its module's name: this module imports neither
torch nor Qt, and the window's process never imports the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from multiprocessing.connection import Connection
from pathlib import Path
from typing import ClassVar, Literal

from playground.core.project_types import Project, TrainingConfig

WORKER = "playground.nn.live.worker"

State = Literal["idle", "loading", "ready", "running", "failed"]
"""Where the window's training session stands: nothing loaded, building a run, ready to train, training,
or the run could not be built (or the worker died)."""


def serve(commands: Connection, send: Callable[[object], None]) -> None:
    """The worker process's entry point: the worker module, found by name, runs until told to quit."""
    import_module(WORKER).serve(commands, send)


@dataclass(frozen=True)
class Command:
    transport: ClassVar[bool] = False  # starts or stops training: a Stopped answers the latest of these


@dataclass(frozen=True)
class Load(Command):
    """Build run ``run`` on ``project``; with ``resume`` (a project's path without .json), bring back the
    trained state saved beside it; with ``recorded``, open that recorded run."""

    run: int
    project: Project
    base_dir: Path | None
    device: str
    resume: Path | None = None
    recorded: Path | None = None  # a run folder (train --record): its keyframes, the trainer at the last


@dataclass(frozen=True)
class Unload(Command):
    run: int


@dataclass(frozen=True)
class Reset(Command):
    """Start run ``run`` from the initial weights again (``reseed``: from new ones)."""

    run: int
    reseed: bool = False


@dataclass(frozen=True)
class Branch(Command):
    """Start run ``run`` from the recording's keyframe of ``step`` of the run before (its weights, optimiser,
    random and batching state), with the settings as they are now; the keyframes up to it carry over."""

    run: int
    step: int


@dataclass(frozen=True)
class Play(Command):
    """Train to the end of the project's epochs; once there (or with epochs 0), on until paused."""

    transport: ClassVar[bool] = True


@dataclass(frozen=True)
class Steps(Command):
    transport: ClassVar[bool] = True
    count: int = 1


@dataclass(frozen=True)
class Epoch(Command):
    transport: ClassVar[bool] = True


@dataclass(frozen=True)
class Pause(Command):
    transport: ClassVar[bool] = True


@dataclass(frozen=True)
class Configure(Command):
    """Settings a running trainer takes at once (messages.LIVE_SETTINGS)."""

    config: TrainingConfig


@dataclass(frozen=True)
class Sampling(Command):
    """What a language model's live samples start from, and how adventurous they are."""

    prompt: str
    temperature: float


@dataclass(frozen=True)
class Threads(Command):
    """The CPU threads training computes with (None: chosen by the network's size, nn/threads.py)."""

    count: int | None


@dataclass(frozen=True)
class Speed(Command):
    steps_per_second: float  # 0: as fast as it goes


@dataclass(frozen=True)
class Focus(Command):
    """The block looked at closely (BlockDetail), and the example whose feature maps are shown."""

    block: str | None
    example: int = 0


@dataclass(frozen=True)
class Show(Command):
    """Show the network as the recording's keyframe at ``step`` holds it (the timeline), or live (None);
    training goes on either way."""

    step: int | None


@dataclass(frozen=True)
class Cell(Command):
    """The validation images behind one cell of the confusion matrix (answered by CellImages)."""

    true: int
    predicted: int


@dataclass(frozen=True)
class SaveWeights(Command):
    """Write the run's weights and trainer state beside a project just saved (answered by Written)."""

    stem: Path


@dataclass(frozen=True)
class Export(Command):
    """Export ``project`` (named ``origin``), with the run's trained weights when ``trained``."""

    project: Project
    base_dir: Path | None
    fmt: str
    target: Path
    trained: bool
    origin: str


@dataclass(frozen=True)
class Quit(Command):
    pass
