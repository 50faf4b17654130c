"""Checkpoints as safetensors (never pickle): ``<stem>.weights.safetensors`` holds the model's
weights under block-id names, ``<stem>.trainer.safetensors`` the optimiser, random and
batching state, with the step counters and history as JSON metadata. Resuming from
both continues the very same loss curve.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from playground.core.files import atomic_write
from playground.nn.trainer import Trainer

WEIGHTS_SUFFIX = ".weights.safetensors"
TRAINER_SUFFIX = ".trainer.safetensors"


class CheckpointError(Exception):
    """A checkpoint that cannot be used with this network, said plainly."""


def paths(stem: Path) -> tuple[Path, Path]:
    return stem.with_name(stem.name + WEIGHTS_SUFFIX), stem.with_name(stem.name + TRAINER_SUFFIX)


def _atomic_save(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def save_weights(trainer: Trainer, path: Path) -> None:
    weights = {k: v.detach().cpu().contiguous() for k, v in trainer.model.state_dict().items()}
    _atomic_save(weights, path, {"format": "playground-weights", "step": str(trainer.step_count)})


def save_checkpoint(trainer: Trainer, stem: Path) -> tuple[Path, Path]:
    weights_path, trainer_path = paths(stem)
    save_weights(trainer, weights_path)
    tensors: dict[str, torch.Tensor] = {}
    optimizers: dict[str, Any] = {}
    for name, optimizer in trainer.optimizers.items():
        state = optimizer.state_dict()
        plain: dict[str, dict[str, Any]] = {}
        for index, entries in state["state"].items():
            for key, value in entries.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.{name}.{index}.{key}"] = value.detach().cpu().contiguous()
                else:
                    plain.setdefault(str(index), {})[key] = value
        optimizers[name] = {"param_groups": state["param_groups"], "plain": plain}
    tensors.update({k: v.cpu().contiguous() for k, v in trainer.rng_state().items()})
    tensors.update({f"task.{k}": v.cpu().contiguous() for k, v in trainer.task.state().items()})
    meta = {
        "step": trainer.step_count,
        "examples_seen": trainer.examples_seen,
        "elapsed": trainer.elapsed,
        "lr": trainer.lr,
        "batch_size": trainer.batch_size,
        "seed": trainer.config.seed,
        "history": trainer.history,
        "optimizers": optimizers,
    }
    _atomic_save(tensors, trainer_path, {"format": "playground-trainer", "trainer": json.dumps(meta)})
    return weights_path, trainer_path


def load_weights(trainer: Trainer, path: Path) -> None:
    try:
        weights = load_file(str(path), device="cpu")
    except (OSError, SafetensorError) as exc:
        raise CheckpointError(f"{path}: cannot be read as safetensors ({exc})") from None
    expected = trainer.model.state_dict()
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        detail = f"missing {', '.join(missing[:4])}" if missing else f"unexpected {', '.join(extra[:4])}"
        raise CheckpointError(f"{path}: does not fit this network ({detail})")
    for key in expected:
        tensor = weights[key]
        if tensor.shape != expected[key].shape:
            raise CheckpointError(
                f"{path}: {key} has shape {tuple(tensor.shape)} but the network expects {tuple(expected[key].shape)}"
            )
    trainer.model.load_state_dict(weights)


def load_checkpoint(trainer: Trainer, stem: Path) -> None:
    """Restore weights and trainer state saved by ``save_checkpoint``; training resumes where it stopped."""
    weights_path, trainer_path = paths(stem)
    load_weights(trainer, weights_path)
    try:
        with safe_open(str(trainer_path), framework="pt", device="cpu") as handle:
            meta = json.loads(handle.metadata()["trainer"])
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118  (safe_open has no iterator)
    except (OSError, SafetensorError, KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{trainer_path}: is not a Playground trainer checkpoint ({exc})") from None
    for name, optimizer in trainer.optimizers.items():
        saved = meta["optimizers"].get(name)
        if saved is None:
            raise CheckpointError(f"{trainer_path}: has no state for the optimiser '{name}'")
        state: dict[int, dict[str, Any]] = {}
        prefix = f"optimizer.{name}."
        for key, tensor in tensors.items():
            if key.startswith(prefix):
                index, entry = key[len(prefix) :].split(".", 1)
                state.setdefault(int(index), {})[entry] = tensor.to(trainer.device) if entry != "step" else tensor
        for index, entries in saved["plain"].items():
            state.setdefault(int(index), {}).update(entries)
        try:
            optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
        except (ValueError, KeyError) as exc:
            raise CheckpointError(f"{trainer_path}: does not fit this network's optimiser ({exc})") from None
    trainer.set_rng_state({k: v for k, v in tensors.items() if k.startswith("rng.")})
    trainer.task.load_state({k[len("task.") :]: v for k, v in tensors.items() if k.startswith("task.")})
    trainer.step_count = meta["step"]
    trainer.examples_seen = meta["examples_seen"]
    trainer.elapsed = meta["elapsed"]
    trainer.lr = meta["lr"]
    trainer.batch_size = meta["batch_size"]
    trainer.history = meta["history"]
