"""Playground from Python, where PyTorch users work (a notebook, a script):

    import playground
    playground.show(model, x)            # the module on the canvas, in the app's own window
    project = playground.to_project(model, x)
    trained = playground.load("net.json")  # a project file as an nn.Module, with its trained weights

The module is traced in the caller's process (its code and objects are there); the window runs in a
process of its own, as ``netron.start`` does, so the notebook stays free.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn

from playground.core.files import weights_files
from playground.core.project import load as load_project
from playground.core.project_types import Project
from playground.core.project_write import save
from playground.nn.checkpoint import read_weights, write_safetensors
from playground.nn.export_run import model_with
from playground.nn.import_run import fitting_dataset
from playground.nn.importing import Imported, import_module


def _imported(model: nn.Module, example_inputs: tuple[torch.Tensor, ...], path: Path, title: str) -> Imported:
    if not isinstance(model, nn.Module):
        raise TypeError(f"give a torch.nn.Module to import, not {type(model).__name__}")
    if not example_inputs or not all(isinstance(x, torch.Tensor) for x in example_inputs):
        raise TypeError("give the module's example input(s) as tensors, batch first: to_project(model, x)")
    imported = import_module(model, [tuple(x.shape) for x in example_inputs], title=title or type(model).__name__)
    fitting_dataset(imported.project, path)
    return imported


def to_project(model: nn.Module, *example_inputs: torch.Tensor, title: str = "") -> Project:
    """The module as a Playground project, traced with ``example_inputs`` (their shapes): its blocks
    compute what the module computes. Raises playground.nn.importing.Unrepresentable, whose ``problems``
    say everything that stands in the way, each at its line."""
    return _imported(model, example_inputs, Path.cwd() / "model.json", title).project


def show(model: nn.Module, *example_inputs: torch.Tensor, path: str | Path | None = None) -> Path:
    """Open the module in the app, with its current weights, in a window of its own process; the
    project file written (``path``, or one in a new temporary folder) is returned. A file already at
    ``path`` (or its weights) is never replaced: FileExistsError."""
    target = Path(path) if path else Path(tempfile.mkdtemp(prefix="playground-")) / f"{type(model).__name__}.json"
    weights = weights_files(target.with_suffix(""))[0]
    taken = [file for file in (target, weights) if file.exists()]
    if taken:
        raise FileExistsError(f"{taken[0]}: exists; show() writes a new project, so choose another path")
    imported = _imported(model, example_inputs, target, target.stem)
    save(imported.project, target)
    metadata = {"format": "playground-weights", "step": "0"}
    write_safetensors(imported.weights, weights, metadata)
    subprocess.Popen([sys.executable, "-m", "playground", str(target)], start_new_session=True)
    return target


def load(path: str | Path) -> nn.Module:
    """The network of a project file as a torch module in evaluation mode, holding the trained weights
    saved beside it (``net.weights.safetensors``), or fresh ones from the project's seed when none were
    saved. Raises ProjectError (the file), CompileError (the network) or CheckpointError (the weights)."""
    project_path = Path(path)
    project = load_project(project_path)
    weights = weights_files(project_path.with_suffix(""))[0]
    state = read_weights(weights) if weights.is_file() else None
    return model_with(project, state, weights).module
