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

from playground.core.files import atomic_write, weights_files
from playground.nn.trainer import Trainer


class CheckpointError(Exception):
    """A checkpoint that cannot be used with this network, said plainly."""


def _atomic_save(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def save_weights(trainer: Trainer, path: Path) -> None:
    weights = {k: v.detach().cpu().contiguous() for k, v in trainer.model.state_dict().items()}
    _atomic_save(weights, path, {"format": "playground-weights", "step": str(trainer.step_count)})


def save_checkpoint(trainer: Trainer, stem: Path) -> tuple[Path, Path]:
    weights_path, trainer_path = weights_files(stem)
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


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path), device="cpu")
    except (OSError, SafetensorError) as exc:
        raise CheckpointError(f"{path}: cannot be read as safetensors ({exc})") from None


def _block(key: str) -> str:
    return key.split(".", 1)[0]


def _torch_name(key: str, expected: dict[str, torch.Tensor]) -> str:
    """A weight's name as ``module`` has it. Earlier builds compiled an RNN, LSTM or GRU block to a
    wrapper around torch's layer: weights saved then say ``<block>.cell.weight_ih_l0``, not ``<block>.weight_ih_l0``."""
    renamed = key.replace(".cell.", ".", 1)
    return renamed if key not in expected and renamed in expected else key


def fit_weights(module: torch.nn.Module, weights: dict[str, torch.Tensor], path: Path) -> None:
    """Load ``weights`` into ``module``, or refuse with the blocks they do not fit (edited since they
    were saved: added, removed, or resized), leaving the module as it was."""
    expected = module.state_dict()
    weights = {_torch_name(key, expected): value for key, value in weights.items()}
    changed: dict[str, str] = {}
    for key in sorted(set(expected) | set(weights)):
        if key not in weights:
            changed.setdefault(_block(key), "not in the weights")
        elif key not in expected:
            changed.setdefault(_block(key), "not in the network")
        elif weights[key].shape != expected[key].shape:
            saved, wanted = ("x".join(map(str, t.shape)) or "1" for t in (weights[key], expected[key]))
            changed.setdefault(_block(key), f"{key.split('.', 1)[-1]} is {saved} there, {wanted} here")
    if changed:
        shown = "; ".join(f"{block} ({why})" for block, why in list(changed.items())[:6])
        more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
        raise CheckpointError(f"{path}: these weights no longer fit the network, edited since: {shown}{more}")
    module.load_state_dict(weights)


def load_weights(trainer: Trainer, path: Path) -> None:
    fit_weights(trainer.model, read_weights(path), path)


def load_checkpoint(trainer: Trainer, stem: Path) -> None:
    """Restore weights and trainer state saved by ``save_checkpoint``; training resumes where it stopped."""
    weights_path, trainer_path = weights_files(stem)
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
    trainer.lr_applied = None  # the optimisers now hold the saved learning rate
    trainer.batch_size = meta["batch_size"]
    trainer.history = meta["history"]
