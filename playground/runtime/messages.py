"""What the training worker sends to the GUI: plain data (floats, numpy arrays), tagged with a run id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from playground.core.project_types import DatasetRef, settings_where
from playground.core.registry import ParamSpec

LIVE_SETTINGS = frozenset(settings_where(live=True))
"""Training settings a running trainer takes at once; changing any other one needs a fresh start."""


@dataclass(frozen=True)
class DatasetInfo:
    id: str
    title: str
    description: str
    kind: str
    params: tuple[ParamSpec, ...]


@dataclass(frozen=True)
class Catalogue:
    """What this machine offers, known once the worker has imported torch."""

    devices: list[str]
    datasets: list[DatasetInfo]
    tasks: dict[str, tuple[str, ...]]  # task id -> the recipe's own knobs (training settings it reads)


@dataclass(frozen=True)
class Points:
    """A dataset's points for the input-plane view (``train_x`` (N, 2)) or the function view (N, 1)."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    bounds: tuple[float, float]


@dataclass(frozen=True)
class GraphLayout:
    """A graph dataset drawn as nodes and edges: where each node sits, its class, and which labels the
    network was shown."""

    positions: np.ndarray  # (nodes, 2)
    edges: np.ndarray  # (edges, 2) node indices
    labels: np.ndarray  # (nodes,)
    labelled: np.ndarray  # (nodes,) bool


@dataclass(frozen=True)
class Loaded:
    run: int
    device: str
    steps_per_epoch: int
    classes: int | None
    points: Points | None
    graph: GraphLayout | None = None
    samples: bool = False  # the task generates text: Sampled messages will follow
    note: str = ""  # choices made for the user, one per line: how the data was read, how the loss reads (Task.notes)
    restored: str = ""  # the trained state saved beside the project, brought back (or why it was not)
    restored_step: int | None = None  # the step the restored state was at (None: nothing was restored)
    threads: int = 1  # CPU threads torch computes with (nn/threads.py)
    views: tuple[str, ...] = ()  # the live views that apply to this run (nn/live/views.py), by id


@dataclass(frozen=True)
class Fields:
    """The fields the run's dataset gives (an Input's data parameter names one), sent as soon as it is read."""

    run: int
    dataset: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Reading:
    """How far decoding the run's image folder is (sent while it reads; a cached folder sends none)."""

    run: int
    done: int
    total: int


@dataclass(frozen=True)
class Progress:
    """Training steps since the last message (batched at most 20 times a second: PROGRESS_PERIOD, nn/live/reports.py) and any evaluations."""

    run: int
    steps: np.ndarray
    losses: np.ndarray
    step: int
    epoch: float
    elapsed: float
    steps_per_second: float
    lr: float  # the learning rate the last step used (Trainer.lr_used), as train --json says it
    evaluations: list[dict[str, float]] = field(default_factory=list)
    threads: int = 1  # CPU threads torch computes with now (the user's choice or nn/threads.py's)
    compiled: str = ""  # what torch.compile did (the compile setting): how long it took, or why not


@dataclass(frozen=True)
class Stats:
    mean: float
    std: float
    norm: float
    counts: np.ndarray
    edges: np.ndarray


@dataclass(frozen=True)
class BlockDetail:
    """The focused block, looked at closely."""

    block: str
    activation: Stats | None
    weights: dict[str, Stats]
    gradients: dict[str, Stats]
    feature_maps: np.ndarray | None = None  # (channels, H, W) for one input example
    filters: np.ndarray | None = None  # (filters, k, k): first input channel
    attention: np.ndarray | None = None  # (steps, steps)
    confusion: np.ndarray | None = None  # (true, predicted) counts
    example: np.ndarray | None = None  # the input image the feature maps are for: (H, W) grey or (H, W, 3) colour
    verdict: str = ""  # what the network makes of that example: "predicted 3 · true 3"


@dataclass(frozen=True)
class PlaneLook:
    """What a network with a 2-D input does over the plane: each narrow block's units (34 x 34), the
    block the class regions read (the logits of a classifier ending in Softmax), that block at 102 x 102
    (the big input plane), and the (out, in) weights of the Linear blocks between narrow layers (the
    neuron view's lines). Empty for any other network."""

    units: dict[str, np.ndarray] = field(default_factory=dict)  # block -> (units, 34, 34)
    output: str = ""
    fine: np.ndarray | None = None  # the output block's (units, 102, 102)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


# The payloads of the live views (nn/live/views.py makes them, ui/plots/data_views.py shows them), one
# dataclass per kind of picture; a Snapshot carries them by view id.


@dataclass(frozen=True)
class Curve:
    """A 1-D input: the network's output along x, the spread over MC-dropout samples (epistemic) and
    the predicted noise (aleatoric)."""

    xs: np.ndarray
    mean: np.ndarray
    epistemic: np.ndarray | None = None
    noise: np.ndarray | None = None


@dataclass(frozen=True)
class Nodes:
    """A graph dataset: each node's predicted class (N,), and its hidden features in 2-D (N, 2)."""

    predicted: np.ndarray
    embedding: np.ndarray


@dataclass(frozen=True)
class Forecast:
    """A few validation windows (k, T), what came next (k,), and the network's forecast (k,)."""

    windows: np.ndarray
    truth: np.ndarray
    predicted: np.ndarray


@dataclass(frozen=True)
class Latent:
    """Points in a code space seen in 2-D (n, 2), coloured by their class (n,) when there is one."""

    title: str
    codes: np.ndarray
    labels: np.ndarray | None = None


@dataclass(frozen=True)
class Matrix:
    """A weight matrix (out, in) seen whole: ``title`` names it; ``values`` are the rows and columns
    drawn (a large one is cut to its first ones), ``size`` how large it is."""

    title: str
    values: np.ndarray  # (rows shown, columns shown)
    size: tuple[int, int]


@dataclass(frozen=True)
class ImageRows:
    """Rows of small images, (k, H, W) each: images with their true and predicted masks, inputs and
    what a network rebuilt of them, or images decoded from codes."""

    rows: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Predictions:
    """The same few validation images every time, with their true class and the network's guess: a class
    watches the wrong ones turn right."""

    images: np.ndarray  # (k, H, W, channels) in 0..1, as a viewer shows them
    truth: np.ndarray  # (k,) class indices
    predicted: np.ndarray  # (k,)
    classes: tuple[str, ...]


@dataclass(frozen=True)
class CellImages:
    """The validation images of one confusion-matrix cell: true class ``true`` taken for ``predicted``
    (the first ``len(images)`` of ``count``), with their files when they came from an image folder."""

    run: int
    true: int
    predicted: int
    classes: tuple[str, ...]
    images: np.ndarray  # (k, H, W, channels) in 0..1
    files: tuple[str, ...]  # each image's place in its folder ("" where there is none)
    count: int


@dataclass(frozen=True)
class Thumbnails:
    """An image folder as read: a few training images of each class, the counts, and the summary line
    (what was left out). Sent once its data is read."""

    run: int
    dataset: DatasetRef  # the folder and settings they were read with
    classes: tuple[str, ...]
    counts: tuple[int, ...]
    images: tuple[np.ndarray, ...]  # per class: (k, H, W, channels) in 0..1
    summary: str


@dataclass(frozen=True)
class Generated:
    """Points a generative model drew, over the points of its data; ``trajectories`` follow a few
    of them from noise to the end, step by step (reverse diffusion); ``belief`` is what a GAN's
    discriminator thinks of every place in the plane."""

    data: np.ndarray  # (n, 2)
    samples: np.ndarray  # (m, 2)
    trajectories: np.ndarray | None = None  # (k, steps, 2)
    belief: np.ndarray | None = None  # (R, R) a GAN discriminator's P(real) over the plane, row 0 at the bottom
    bounds: tuple[float, float, float, float] | None = None  # the belief's area: x from, y from, x to, y to


@dataclass(frozen=True)
class Episode:
    """One episode of the cart-pole: where the cart was and how the pole leaned, step by step."""

    positions: np.ndarray  # (T,) cart position
    angles: np.ndarray  # (T,) pole angle in radians, 0 upright
    track: float  # the episode ends when the cart passes +-track
    fall: float  # ... or the pole leans past +-fall radians
    seconds_per_step: float
    total: float  # the episode's return


@dataclass(frozen=True)
class Withdrawn:
    """What a live view sends when it has nothing to show any more (the block it showed is no longer
    selected): the window clears and hides it, rather than keep a picture that no longer holds."""


@dataclass(frozen=True)
class Snapshot:
    """What the network looks like inside, a few times a second: the gradients, the input plane, the
    focused block, and the payload of each live view that made one this time (by view id; a view
    missing keeps what it shows)."""

    run: int
    step: int
    grad_norms: dict[str, float]
    wire_gradients: dict[str, float]
    plane: PlaneLook = field(default_factory=PlaneLook)
    detail: BlockDetail | None = None
    views: dict[str, object] = field(default_factory=dict)
    recorded: bool = False  # the network as a keyframe of the recording holds it (the timeline), not live


@dataclass(frozen=True)
class Recorded:
    """The steps the time machine keeps keyframes at (nn/recording.py), sent when they change, and why
    nothing more is recorded ("" while recording)."""

    run: int
    steps: tuple[int, ...]
    note: str = ""


@dataclass(frozen=True)
class Sampled:
    """Text the network wrote, continuing ``prompt`` (a language model while it trains)."""

    run: int
    step: int
    prompt: str
    text: str


StopKind = Literal["paused", "finished", "done", "diverged", "failed", "error", "died"]


@dataclass(frozen=True)
class Written:
    """Files the worker wrote for the window: the trained weights on Save (``what`` "weights"), an export
    ("export"); or, in ``error``, why it could not. Not tied to a run: a Save is answered whatever happens next."""

    what: Literal["weights", "export"]
    files: tuple[str, ...] = ()
    detail: str = ""  # what the files hold ("the trained weights (step 120)")
    error: str = ""
    step: int = 0  # the training step of the weights written


@dataclass(frozen=True)
class Stopped:
    """The worker stopped training: ``kind`` is paused, finished (a Step or Epoch), done (the project's
    epochs are trained), diverged, failed (the run could not be built), error (a command failed) or
    died (the worker process is gone)."""

    run: int
    kind: StopKind
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
