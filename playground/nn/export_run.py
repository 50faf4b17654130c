"""``playground export``: the project's network as Python, TorchScript, ONNX or a training script, with
the trained weights saved beside the project (``--save-weights``, or Save in the app) unless told
otherwise (``--weights FILE`` picks others, ``--untrained`` exports fresh ones)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import torch
from safetensors import SafetensorError, safe_open

from playground.core.files import weights_files
from playground.core.project_types import Project
from playground.nn.checkpoint import CheckpointError, fit_weights, read_weights
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
        with safe_open(str(file), framework="pt") as handle:
            return int((handle.metadata() or {}).get("step", ""))
    except (OSError, SafetensorError, ValueError):
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


def run_export(project: Project, path: Path, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    weights = choose_weights(path, args.weights, args.untrained)
    if weights.file is not None and not weights.file.is_file():
        print(f"{weights.file}: no such weights file", file=err)
        return EXIT_UNREADABLE
    target = Path(args.output)
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
