"""``playground export``: the project's network as Python, TorchScript, ONNX or a training script, with
the trained weights saved beside the project (``--save-weights``, or Save in the app) unless told
otherwise (``--weights FILE`` picks others, ``--untrained`` exports fresh ones)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import torch

from playground.core.files import weights_files
from playground.core.project_types import Project
from playground.nn.checkpoint import CheckpointError, fit_weights, read_weights, saved_mark
from playground.nn.compile import CompiledModel, CompileError, compile_graph
from playground.nn.export import ExportError, export_onnx, export_python, export_torchscript, loading_lines

EXIT_OK, EXIT_BAD_PROJECT, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class Weights:
    """Where an export's weights come from: a safetensors file, or none (fresh from the project's seed)."""

    file: Path | None
    step: int | None = None

    def describe(self) -> str:
        if self.file is None:
            return "fresh, untrained weights (from the project's seed)"
        at = f" (step {self.step})" if self.step is not None else ""
        return f"the trained weights in {self.file}{at}"


def _saved_step(file: Path) -> int | None:
    try:
        return saved_mark(file)[0]
    except CheckpointError:
        return None


def choose_weights(project_path: Path, chosen: str | None, untrained: bool) -> Weights:
    """``--weights FILE``, else (unless ``--untrained``) the weights saved beside the project, if any."""
    if untrained:
        return Weights(None)
    file = Path(chosen) if chosen else weights_files(project_path.with_suffix(""))[0]
    if chosen is None and not file.is_file():
        return Weights(None)
    return Weights(file, _saved_step(file))


def model_with(project: Project, state: dict[str, torch.Tensor] | None, source: Path | None = None) -> CompiledModel:
    """The project's network on the CPU, in evaluation mode, holding the weights ``state`` (read from
    ``source``), or fresh ones from the project's seed. Raises CompileError, or CheckpointError when
    the weights do not fit (the message names the blocks)."""
    with torch.random.fork_rng(devices=[]):  # a training process's random state stays as it was
        torch.manual_seed(project.training.seed)  # fresh weights are the very ones training starts from
        compiled = compile_graph(project.graph)
    if state is not None:
        fit_weights(compiled.module, state, source or Path("the trained weights"))
    compiled.module.eval()
    return compiled


def export_project(
    project: Project,
    base_dir: Path | None,
    fmt: str,
    target: Path,
    origin: str,
    state: dict[str, torch.Tensor] | None,
    source: Path | None = None,
) -> list[Path]:
    """Write one export of the project holding ``state`` (None: fresh weights); the files written.
    Raises CompileError, CheckpointError, ExportError or OSError."""
    compiled = model_with(project, state, source)
    trained = state is not None
    if fmt == "script":
        from playground.nn.script_export import export_script

        return export_script(project, base_dir, compiled, target, trained=trained, origin=origin)
    if fmt == "python":
        return export_python(compiled, target, origin=origin, with_weights=trained)
    if fmt == "torchscript":
        export_torchscript(compiled, target)
    else:
        export_onnx(compiled, target)
    return [target]


SCRIPT_FILES = ("model.py", "train.py", "images.py", "data.npz", "vocab.json", "model.safetensors", "README.md")


def planned_files(fmt: str, target: Path, trained: bool) -> list[Path]:
    """The files an export may write (a script's folder: every name it can hold)."""
    if fmt == "script":
        return [target / name for name in SCRIPT_FILES]
    if fmt == "python" and trained:
        return [target, target.with_suffix(".safetensors")]
    return [target]


def _refused(project_path: Path, weights: Weights, fmt: str, target: Path, force: bool) -> str:
    """Why the export must not write where it was asked to ("" when it may): never over the project, its
    saved weights and trainer state, or the weights it reads; over another existing file only with --force."""
    planned = planned_files(fmt, target, weights.file is not None)
    sources = [project_path, *weights_files(project_path.with_suffix("")), *([weights.file] if weights.file else [])]
    kept = {source.resolve() for source in sources}
    for file in planned:
        if file.resolve() in kept:
            return f"{file}: is what the export reads (the project, its weights or trainer state): choose another -o"
    if fmt != "script" and target.is_dir():
        return f"{target}: is a folder; -o names the file to write"
    if fmt == "script" and target.exists() and not target.is_dir():
        return f"{target}: is a file; -o names the folder to write the script into"
    taken = [file for file in planned if file.exists()]
    if taken and not force:
        return f"{', '.join(map(str, taken))}: exist{'s' if len(taken) == 1 else ''}; pass --force to replace"
    return ""


def run_export(project: Project, path: Path, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    weights = choose_weights(path, args.weights, args.untrained)
    if weights.file is not None and not weights.file.is_file():
        print(f"{weights.file}: no such weights file", file=err)
        return EXIT_UNREADABLE
    target = Path(args.output)
    refused = _refused(path, weights, args.format, target, args.force)
    if refused:
        print(refused, file=err)
        return EXIT_UNREADABLE
    try:
        state = read_weights(weights.file) if weights.file is not None else None
        written = export_project(project, path.parent, args.format, target, path.name, state, weights.file)
    except CompileError as exc:
        for problem in exc.problems:
            print(f"{path}: {problem.message}", file=err)
        return EXIT_BAD_PROJECT
    except CheckpointError as exc:
        print(f"{exc} (export with --untrained for fresh weights)", file=err)
        return EXIT_BAD_PROJECT
    except ExportError as exc:
        print(f"{path}: {exc}", file=err)
        return EXIT_BAD_PROJECT
    except OSError as exc:
        print(f"{target}: cannot be written ({exc.strerror or exc})", file=err)
        return EXIT_UNREADABLE
    print(f"exported with {weights.describe()}", file=out)
    if weights.file is None and not args.untrained:
        print(f"  (no trained weights beside {path.name}: train with --save-weights, or save in the app)", file=out)
    print(f"wrote {', '.join(str(file) for file in written)} ({args.format})", file=out)
    if args.format == "python" and len(written) > 1:
        print(
            "load it with:", *(f"  {line}" for line in loading_lines(target.stem, written[1].name)), sep="\n", file=out
        )
    return EXIT_OK
