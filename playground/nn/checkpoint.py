"""Checkpoints as safetensors (never pickle): ``<stem>.weights.safetensors`` holds the model's
weights under block-id names, ``<stem>.trainer.safetensors`` the optimiser, random and
batching state, with the step counters and history as JSON metadata. Resuming from
both continues the very same loss curve.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save

from playground.core.files import atomic_write, atomic_write_all, weights_files
from playground.core.project_types import TrainingConfig
from playground.nn.optimizer_state import check_state, checked_groups
from playground.nn.trainer import Trainer


class CheckpointError(Exception):
    """A checkpoint that cannot be used with this network, said plainly."""


MAX_HISTORY = 1_000_000  # evaluations a trainer file may list


def write_safetensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str] | None = None) -> None:
    """One safetensors file, atomically (see files.atomic_write), with the mode other new files get. Its
    bytes are made in memory and written by Python: a full disk is an OSError naming the cause, not a
    SafetensorError."""
    data = save(tensors, metadata=metadata or {})
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def weights_of(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The state dict as plain CPU tensors, ready for safetensors: a tensor held under two names (tied
    weights) is written under both, as two copies (safetensors stores no tensor twice)."""
    found: dict[str, torch.Tensor] = {}
    seen: set[int] = set()
    for key, value in module.state_dict().items():
        tensor = value.detach().cpu().contiguous()
        place = tensor.untyped_storage().data_ptr()
        found[key] = tensor.clone() if place in seen else tensor
        seen.add(place)
    return found


def _tied_apart(module: torch.nn.Module, weights: dict[str, torch.Tensor]) -> str:
    """Names that are one tensor in ``module`` (tied weights) but hold different values in ``weights``."""
    names: dict[int, list[str]] = {}
    for key, value in module.state_dict(keep_vars=True).items():
        names.setdefault(id(value), []).append(key)
    for shared in names.values():
        if any(not torch.equal(weights[shared[0]], weights[key]) for key in shared[1:]):
            return " and ".join(shared)
    return ""


def trainer_state(trainer: Trainer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """What training goes on from besides the weights: the optimisers' tensors, the random and batching
    state (as CPU tensors, which may share memory with the trainer's), and the counters, settings and
    history as JSON-ready metadata."""
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
    return tensors, meta


def save_checkpoint(trainer: Trainer, stem: Path) -> tuple[Path, Path]:
    """Weights and trainer state as a pair: both are written whole before either replaces the files
    saved before (a full disk leaves those as they were), and both carry the same ``pair`` mark, so a
    pair cut in two (a kill between the renames) is refused when read."""
    weights_path, trainer_path = weights_files(stem)
    pair = secrets.token_hex(8)
    tensors, meta = trainer_state(trainer)
    step = str(trainer.step_count)
    weights = save(weights_of(trainer.model), metadata={"format": "playground-weights", "step": step, "pair": pair})
    kept = save(
        tensors, metadata={"format": "playground-trainer", "trainer": json.dumps(meta), "step": step, "pair": pair}
    )
    atomic_write_all(
        [(weights_path, lambda tmp: tmp.write_bytes(weights)), (trainer_path, lambda tmp: tmp.write_bytes(kept))],
        lambda: _keep_previous(stem),
    )
    for older in previous_files(stem):  # both new ones are in place: the pair before them is not needed
        with contextlib.suppress(OSError):
            older.unlink(missing_ok=True)
    return weights_path, trainer_path


def previous_files(stem: Path) -> tuple[Path, Path]:
    """The pair saved before, kept (hidden) while a new pair is renamed into place: a kill between the two
    renames leaves a new file beside an old one, and this pair to resume from instead."""
    weights_path, trainer_path = weights_files(stem)
    return weights_path.with_name(f".{weights_path.name}.previous"), trainer_path.with_name(
        f".{trainer_path.name}.previous"
    )


def _keep_previous(stem: Path) -> None:
    for current, kept in zip(weights_files(stem), previous_files(stem), strict=True):
        kept.unlink(missing_ok=True)
        if current.is_file():
            try:
                os.link(current, kept)  # the same file under a second name: nothing copied
            except OSError:  # a file system without hard links
                shutil.copy2(current, kept)


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
    """Load ``weights`` into ``module``, or refuse, leaving the module as it was: weights that do not
    fit the blocks (edited since they were saved: added, removed, or resized), of another number type
    than the network's (float64, int8, bool: never converted behind the user's back), or not finite
    (NaN or infinity: a damaged file, or a run that diverged)."""
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
    for key, value in weights.items():
        if value.dtype != expected[key].dtype:
            raise CheckpointError(
                f"{path}: {key} holds {_dtype(value)} numbers, the network {_dtype(expected[key])}: "
                "not weights Playground saved for it"
            )
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise CheckpointError(
                f"{path}: {key} holds NaN or infinite values: the file is damaged, or the run diverged"
            )
    apart = _tied_apart(module, weights)
    if apart:
        raise CheckpointError(f"{path}: {apart} are one tensor in the network (tied weights) but differ there")
    module.load_state_dict(weights)


def _dtype(tensor: torch.Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def load_weights(trainer: Trainer, path: Path) -> None:
    fit_weights(trainer.model, read_weights(path), path)


def saved_mark(path: Path) -> tuple[int | None, str | None]:
    """The step and pair mark a weights file says it was saved at (None where it does not say)."""
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            meta = handle.metadata() or {}
    except (OSError, SafetensorError) as exc:
        raise CheckpointError(f"{path}: cannot be read as safetensors ({exc})") from None
    step = meta.get("step", "")
    return (int(step) if step.isdigit() else None), meta.get("pair")


class CutPair(CheckpointError):
    """The weights and the trainer state were not saved together (a save was cut short)."""


def load_checkpoint(trainer: Trainer, stem: Path) -> str:
    """Restore weights and trainer state saved by ``save_checkpoint``; training resumes where it stopped.
    A pair cut in two by a kill is resumed from the pair saved before it, said in the line returned ("" when
    the pair was whole). A file that is damaged, does not fit this network, or is not the other's pair
    raises CheckpointError, and the trainer must then be reset (it may hold part of the state)."""
    try:
        _load_pair(trainer, *weights_files(stem))
    except CutPair as exc:
        previous = previous_files(stem)
        if not all(file.is_file() for file in previous):
            raise
        _load_pair(trainer, *previous)
        return (
            f"the last save was cut short ({exc}): the pair saved before it, at step {trainer.step_count:,}, is resumed"
        )
    return ""


def _load_pair(trainer: Trainer, weights_path: Path, trainer_path: Path) -> None:
    step, pair = saved_mark(weights_path)
    try:
        with safe_open(str(trainer_path), framework="pt", device="cpu") as handle:
            header = handle.metadata() or {}
            meta = json.loads(header["trainer"])
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118  (safe_open has no iterator)
    except (OSError, SafetensorError, KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{trainer_path}: is not a Playground trainer checkpoint ({exc})") from None
    _check_meta(meta, trainer_path)
    if step != meta["step"] or header.get("pair") != pair:  # checked before anything is loaded
        raise CutPair(
            f"{weights_path.name} (step {step if step is not None else '?'}) and {trainer_path.name} (step "
            f"{meta['step']}) were not saved together (a save was cut short): they cannot be resumed as one"
        )
    load_weights(trainer, weights_path)
    try:
        restore_state(trainer, meta, tensors, trainer_path)
    except CheckpointError:
        raise
    except Exception as exc:  # any other defect of a file from anywhere: said, never a traceback
        raise CheckpointError(f"{trainer_path}: is damaged ({type(exc).__name__}: {exc})") from None


def _check_meta(meta: Any, path: Path) -> None:
    """The trainer file's counters and settings, each of its type and in its range."""

    def bad(field: str, why: str) -> CheckpointError:
        return CheckpointError(f"{path}: its '{field}' {why}")

    if not isinstance(meta, dict):
        raise bad("trainer", "is not an object")
    specs = TrainingConfig.specs()
    for field in ("step", "examples_seen"):
        value = meta.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad(field, f"must be a whole number of at least 0, not {value!r}")
    for field, low, high in (("elapsed", 0.0, 1e12), ("lr", specs["lr"].min or 0.0, specs["lr"].max or 0.0)):
        value = meta.get(field)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (math.isfinite(value) and low <= value <= high)
        ):
            raise bad(field, f"must be a number from {low:g} to {high:g}, not {value!r}")
    size = meta.get("batch_size")
    if (
        isinstance(size, bool)
        or not isinstance(size, int)
        or not (specs["batch_size"].min or 0) <= size <= (specs["batch_size"].max or 0)
    ):
        raise bad("batch_size", f"must be a whole number from 1 to {specs['batch_size'].max:,}, not {size!r}")
    history = meta.get("history")
    if not isinstance(history, list) or len(history) > MAX_HISTORY or not all(isinstance(r, dict) for r in history):
        raise bad("history", "must be a list of evaluations")
    if not isinstance(meta.get("optimizers"), dict):
        raise bad("optimizers", "must be an object")


def _check_tensors(found: dict[str, torch.Tensor], wanted: dict[str, torch.Tensor], what: str, path: Path) -> None:
    if set(found) != set(wanted):
        raise CheckpointError(f"{path}: its {what} is not this training's ({', '.join(sorted(found)) or 'none'})")
    for key, tensor in found.items():
        if tensor.dtype != wanted[key].dtype:
            raise CheckpointError(f"{path}: {key} holds {_dtype(tensor)} numbers, not {_dtype(wanted[key])}")


def restore_state(trainer: Trainer, meta: dict[str, Any], tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Put back what ``trainer_state`` took (the weights aside), each part checked against this trainer
    (CheckpointError naming ``path`` when one does not fit)."""
    rng = {k: v for k, v in tensors.items() if k.startswith("rng.")}
    task = {k[len("task.") :]: v for k, v in tensors.items() if k.startswith("task.")}
    _check_tensors(
        {k: v for k, v in rng.items() if k == "rng.torch"}, {"rng.torch": torch.get_rng_state()}, "random state", path
    )
    _check_tensors(task, trainer.task.state(), "batching state", path)
    for name, optimizer in trainer.optimizers.items():
        saved = meta["optimizers"].get(name)
        if not isinstance(saved, dict) or not isinstance(saved.get("plain"), dict):
            raise CheckpointError(f"{path}: has no state for the optimiser '{name}'")
        params = [p for group in optimizer.param_groups for p in group["params"]]
        state: dict[int, dict[str, Any]] = {}
        prefix = f"optimizer.{name}."
        for key, tensor in tensors.items():
            if not key.startswith(prefix):
                continue
            index_text, entry = key[len(prefix) :].split(".", 1)
            index = int(index_text)
            if not 0 <= index < len(params):
                raise CheckpointError(f"{path}: {key} is the state of a weight this network does not have")
            if entry != "step" and tensor.shape != params[index].shape:
                raise CheckpointError(
                    f"{path}: {key} has the shape {list(tensor.shape)}, its weight {list(params[index].shape)}"
                )
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                raise CheckpointError(f"{path}: {key} holds NaN or infinite values")
            state.setdefault(index, {})[entry] = tensor.to(trainer.device) if entry != "step" else tensor
        for index, entries in saved["plain"].items():
            if not index.isdigit() or not 0 <= int(index) < len(params) or not isinstance(entries, dict):
                raise CheckpointError(
                    f"{path}: the optimiser '{name}' keeps state for a weight this network does not have"
                )
            state.setdefault(int(index), {}).update(entries)
        try:
            groups = checked_groups(saved.get("param_groups"), optimizer)
            check_state(state, optimizer, groups)
            optimizer.load_state_dict({"state": state, "param_groups": groups})
        except (ValueError, KeyError) as exc:  # StateError included
            raise CheckpointError(f"{path}: does not fit this network's optimiser '{name}': {exc}") from None
    trainer.set_rng_state(rng)
    trainer.task.load_state(task)
    trainer.step_count = meta["step"]
    trainer.examples_seen = meta["examples_seen"]
    trainer.elapsed = float(meta["elapsed"])
    trainer.lr = float(meta["lr"])
    trainer.lr_applied = None  # the optimisers now hold the saved learning rate
    trainer.batch_size = meta["batch_size"]
    trainer.history = meta["history"]


def resume(trainer: Trainer, stem: Path) -> tuple[str, int | None]:
    """The weights and trainer state saved beside the project brought back, with the line that says so and
    the step, or the run's start with the reason (and None)."""
    weights, state = weights_files(stem)
    note = ""
    try:
        if state.is_file():
            note = load_checkpoint(trainer, stem)
        else:
            load_weights(trainer, weights)
    except CheckpointError as exc:
        trainer.reset()
        return f"The saved weights were not used: {exc}. The network starts untrained.", None
    return (
        f"Trained weights restored from {weights.name} (step {trainer.step_count:,}): Play trains on, "
        "Reset starts again from the initial weights." + (f" Note: {note[0].upper()}{note[1:]}." if note else ""),
        trainer.step_count,
    )


def kept_note(stem: Path) -> str:
    """After a failed save: what of the pair saved before is still there, said ("" when nothing was)."""
    kept = [file.name for file in weights_files(stem) if file.is_file()]
    return f"; {' and '.join(kept)}, saved before, {'are' if len(kept) > 1 else 'is'} kept" if kept else ""
