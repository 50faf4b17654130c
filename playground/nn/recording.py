"""The time machine's recording: keyframes of a run's state, kept at its evaluations within a memory budget,
and the run folder they are written to (docs/recording.md).

A keyframe holds the network's weights and what training goes on from (the optimisers' state, the random
and batching state: checkpoint.trainer_state), as CPU copies. Every evaluation is offered; while the
keyframes would pass the budget, every other one is dropped and only every other evaluation is kept from
then on (the first keyframe, the untrained network, always stays). The worker evaluates densely early, so
the keyframes are too. A keyframe larger than the whole budget is not kept at all, and the recording says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import safe_open

from playground.core.files import atomic_write
from playground.core.run_index import INDEX, RUN_FORMAT, RUN_VERSION, RunError, keyframe_name, read_index
from playground.nn.checkpoint import (
    fit_weights,
    restore_state,
    trainer_state,
    weights_of,
    write_safetensors,
)
from playground.nn.trainer import Trainer

# Steps evaluated (the window) and kept (the command line too) whatever the time: a network changes most in
# its first stretch, and a fast one is past step 500 within the window's first evaluation period.
EARLY_STEPS = frozenset({1, 2, 5, 10, 20, 50, 100, 200, 500})
MB = 1 << 20
MODEL, GRAD = "model.", "grad."  # the weights' and gradients' names in a keyframe file (the trainer
# state keeps checkpoint's names)


@dataclass
class Keyframe:
    """The state of a run after ``step`` steps (the ``index``-th evaluation offered)."""

    step: int
    epoch: float
    index: int
    weights: dict[str, torch.Tensor]
    state: dict[str, torch.Tensor]
    meta: dict[str, Any]
    grads: dict[str, torch.Tensor]  # the step's gradients (the inspector's histograms and norms)

    @cached_property
    def nbytes(self) -> int:  # counted once: the recording sums it at every offer
        parts = (self.weights, self.state, self.grads)
        return sum(t.numel() * t.element_size() for part in parts for t in part.values())


@dataclass
class Recording:
    """A run's keyframes, within ``budget`` bytes."""

    budget: int
    keyframes: list[Keyframe] = field(default_factory=list)
    stride: int = 1  # every stride-th evaluation is kept
    offered: int = 0
    refused: str = ""  # why nothing more is kept ("" while recording)

    @property
    def steps(self) -> tuple[int, ...]:
        return tuple(k.step for k in self.keyframes)

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes for k in self.keyframes)

    def offer(self, trainer: Trainer) -> bool:
        """Keep the trainer's state now if its turn has come; True when the keyframes changed. Room is made
        before a keyframe is taken (a keyframe is about as large as the one before), so even for a moment
        the recording holds no more than its budget and one keyframe it is about to drop."""
        index, self.offered = self.offered, self.offered + 1
        if self.budget <= 0 or self.refused or (self.keyframes and self.keyframes[-1].step == trainer.step_count):
            return False
        size = self.keyframes[-1].nbytes if self.keyframes else 0
        while len(self.keyframes) > 1 and self.nbytes + size > self.budget:
            self._thin()
        if index % self.stride or self.nbytes + size > self.budget:
            return False
        keyframe = capture(trainer, index)
        if keyframe.nbytes > self.budget:
            self.refused = (
                f"one keyframe of this network takes {keyframe.nbytes / MB:,.1f} MB, more than the recording's "
                f"budget of {self.budget / MB:,.0f} MB: nothing more is recorded"
            )
            return True
        self.keyframes.append(keyframe)
        while self.nbytes > self.budget:  # it was larger than the one before (a first step's optimiser state)
            self._thin()
        return True

    def _thin(self) -> None:
        """Every other keyframe dropped, and every other offer kept from now on (the first always stays)."""
        self.stride *= 2
        self.keyframes = [k for k in self.keyframes if k.index % self.stride == 0]

    def until(self, step: int) -> Recording:
        """The recording of a branch from ``step``: the keyframes up to it, recorded on from there."""
        kept = [k for k in self.keyframes if k.step <= step]
        return Recording(self.budget, kept, self.stride, self.offered)

    def at(self, step: int) -> Keyframe:
        """The keyframe at ``step``, or the last one before it (the first when none is)."""
        before = [k for k in self.keyframes if k.step <= step]
        return before[-1] if before else self.keyframes[0]


def capture(trainer: Trainer, index: int) -> Keyframe:
    state, meta = trainer_state(trainer)
    meta = {k: v for k, v in meta.items() if k != "history"}  # the run keeps its history once
    return Keyframe(
        trainer.step_count,
        float(trainer.epoch),
        index,
        {k: v.clone() for k, v in weights_of(trainer.model).items()},
        {k: v.clone() for k, v in state.items()},
        meta,
        {n: p.grad.detach().cpu().clone() for n, p in trainer.model.named_parameters() if p.grad is not None},
    )


class Shown:
    """The trainer's network holding a keyframe's weights and gradients for a moment (a view of the past
    computed the way a live one is), then its own again."""

    def __init__(self, trainer: Trainer, keyframe: Keyframe) -> None:
        self.trainer, self.keyframe = trainer, keyframe
        self.live: dict[str, torch.Tensor] = {}
        self.live_grads: dict[str, torch.Tensor | None] = {}

    def __enter__(self) -> Keyframe:
        model = self.trainer.model
        self.live = {k: v.clone() for k, v in weights_of(model).items()}
        model.load_state_dict(self.keyframe.weights)
        for name, param in model.named_parameters():
            self.live_grads[name] = param.grad
            grad = self.keyframe.grads.get(name)
            param.grad = None if grad is None else grad.to(param.device)
        return self.keyframe

    def __exit__(self, *exc: object) -> None:
        model = self.trainer.model
        model.load_state_dict(self.live)
        for name, param in model.named_parameters():
            param.grad = self.live_grads[name]


def continue_from(trainer: Trainer, keyframe: Keyframe, where: Path | None = None) -> None:
    """The trainer back at ``keyframe``: its weights and gradients, optimisers, random and batching state,
    counters and the history up to it, with the settings the trainer holds now (a branch with other knobs).
    The keyframe's tensors are copied in: training must not change what the recording keeps."""
    trainer.model.load_state_dict(keyframe.weights)
    for name, param in trainer.model.named_parameters():
        grad = keyframe.grads.get(name)
        param.grad = None if grad is None else grad.to(param.device, copy=True)
    history = [record for record in trainer.history if record["step"] <= keyframe.step]
    state = {k: v.clone() for k, v in keyframe.state.items()}
    restore_state(trainer, keyframe.meta | {"history": history}, state, where or Path(keyframe_name(keyframe.step)))
    trainer.apply_config(trainer.config)


# --- the run folder ---------------------------------------------------------------------------------------


def write_run(
    recording: Recording, trainer: Trainer, project: dict[str, Any], folder: Path, project_file: Path | None = None
) -> Path:
    """Write the recording to ``folder`` (made if missing; refused if it holds anything): one safetensors
    file per keyframe, then ``run.json``, which names them, last (a folder without it is no run).
    ``project_file``: the file the project was read from (its data files are found from its folder)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"{folder}: is not an empty folder: a run is recorded only into a new or empty one")
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for keyframe in recording.keyframes:
        name = keyframe_name(keyframe.step)
        tensors = (
            {MODEL + k: v for k, v in keyframe.weights.items()}
            | {GRAD + k: v for k, v in keyframe.grads.items()}
            | keyframe.state
        )
        write_safetensors(
            tensors, folder / name, {"format": "playground-keyframe", "trainer": json.dumps(keyframe.meta)}
        )
        entries.append({"step": keyframe.step, "epoch": keyframe.epoch, "file": name})
    index = {
        "format": RUN_FORMAT,
        "version": RUN_VERSION,
        "project": project,
        "project_file": str(project_file.resolve()) if project_file is not None else "",
        "budget_mb": recording.budget / MB,
        "stride": recording.stride,
        "note": recording.refused,
        "history": trainer.history,
        "keyframes": entries,
    }
    text = json.dumps(index, indent=1, allow_nan=False)
    atomic_write(folder / INDEX, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return folder / INDEX


def open_recording(trainer: Trainer, folder: Path) -> Recording:
    """The run recorded in ``folder``, its keyframes checked against ``trainer``'s network and the trainer
    put at the last one (to train on from there). RunError or CheckpointError name the file at fault."""
    index = read_index(folder)
    keyframes = []
    for number, entry in enumerate(index["keyframes"]):
        path = folder / entry["file"]
        keyframe = _read_keyframe(path, entry, number * index["stride"])
        fit_weights(trainer.model, keyframe.weights, path)  # refused, naming the file, when it does not fit
        keyframes.append(keyframe)
    recording = Recording(max(trainer.config.record_mb * MB, sum(k.nbytes for k in keyframes)), keyframes)
    recording.stride, recording.offered = index["stride"], len(keyframes) * index["stride"]
    trainer.history = index["history"]
    continue_from(trainer, keyframes[-1], folder / index["keyframes"][-1]["file"])
    return recording


def _read_keyframe(path: Path, entry: dict[str, Any], index: int) -> Keyframe:
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            header = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118  (no iterator)
        meta = json.loads(header["trainer"])
    except (OSError, SafetensorError, KeyError, ValueError) as exc:
        raise RunError(f"{path}: is not a Playground keyframe ({exc})") from None
    step = entry["step"]
    if header.get("format") != "playground-keyframe" or not isinstance(meta, dict) or meta.get("step") != step:
        raise RunError(f"{path}: is not the keyframe of step {step:,} that {INDEX} lists")
    parts: dict[str, dict[str, torch.Tensor]] = {MODEL: {}, GRAD: {}, "": {}}
    for key, tensor in tensors.items():
        prefix = MODEL if key.startswith(MODEL) else GRAD if key.startswith(GRAD) else ""
        parts[prefix][key[len(prefix) :]] = tensor
    return Keyframe(step, float(entry["epoch"]), index, parts[MODEL], parts[""], meta, parts[GRAD])
