"""``playground import``: write the project (and with ``--weights`` the module's weights) for SOURCE."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from playground.core.files import weights_files
from playground.core.project_types import DatasetRef, Project
from playground.core.project_write import save
from playground.core.reader import ProjectError
from playground.nn.checkpoint import write_safetensors
from playground.nn.data.base import all_datasets
from playground.nn.data.image_folder import SHIPPED_FOLDER, SIZE
from playground.nn.import_source import SourceError, load_source
from playground.nn.import_trace import Unrepresentable
from playground.nn.importing import import_module
from playground.nn.train_run import build_trainer

EXIT_OK, EXIT_UNREPRESENTABLE, EXIT_UNLOADABLE, EXIT_INTERRUPTED = 0, 1, 2, 130
UNFIT_KINDS = ("control", "text")  # datasets whose recipes need a network built for them (and "drawn": empty)


def fitting_dataset(project: Project, path: Path) -> str:
    """Give the project the first bundled dataset that its network trains on as it stands (its inputs,
    their types and its outputs fit); the id, or "" when none does and the default stays. A network
    that reads square pictures of 1 or 3 channels tries the image folder shipped with Playground at its
    size (after the generated sets and the bundled digits)."""
    candidates = [
        DatasetRef(spec.id)
        for spec in all_datasets()
        if spec.kind not in UNFIT_KINDS
        and spec.id != "drawn"
        and not any(param.handler.editor in ("file", "folder") for param in spec.params)
    ]
    pictures = picture_folder(project)
    for ref in [*candidates, *([pictures] if pictures else [])]:
        project.dataset = ref
        if not isinstance(build_trainer(project, path), list):
            return ref.id
    project.dataset = DatasetRef()
    return ""


def picture_folder(project: Project) -> DatasetRef | None:
    """The shipped image folder (``cnn-images``'s) at the size of the network's one Input, when that
    Input takes square pictures of 1 or 3 channels that the dataset can make (8 to 128 pixels)."""
    shapes = [block.params.get("shape") for block in project.graph.blocks.values() if block.type == "input"]
    if len(shapes) != 1 or not isinstance(shapes[0], list) or len(shapes[0]) != 3:
        return None
    channels, height, width = shapes[0]
    if channels not in (1, 3) or height != width or not SIZE.min <= height <= SIZE.max:
        return None
    color = "rgb" if channels == 3 else "gray"
    return DatasetRef("images", {"folder": SHIPPED_FOLDER, "size": height, "color": color})


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target = Path(args.output)
    weights_path = weights_files(target.with_suffix(""))[0]
    taken = [path for path in (target, weights_path if args.weights else None) if path and path.exists()]
    if taken and not args.force:
        print(f"{taken[0]}: exists; choose another name or pass --force to replace it", file=err)
        return EXIT_UNLOADABLE
    try:
        module = load_source(args.source)
        imported = import_module(module, args.input_shape or [], title=target.stem)
    except SourceError as exc:
        print(str(exc), file=err)
        return EXIT_UNLOADABLE
    except SystemExit as exc:  # the user's code ended the program: said, and the exit code is ours
        print(
            f"{args.source}: its code called sys.exit({exc.code!r}) while it was imported: nothing was written",
            file=err,
        )
        return EXIT_UNLOADABLE
    except KeyboardInterrupt:
        print(f"{args.source}: the import was stopped (Ctrl+C): nothing was written", file=err)
        return EXIT_INTERRUPTED
    except Unrepresentable as exc:
        print(f"{args.source}: cannot be represented as blocks:", file=err)
        for problem in exc.problems:
            print(f"  {problem}", file=err)
        return EXIT_UNREPRESENTABLE
    dataset = fitting_dataset(imported.project, target)
    graph = imported.project.graph
    writing = target  # named when it cannot be written (the error names the temporary file beside it)
    try:
        save(imported.project, target)
        print(f"wrote {target}: {len(graph.blocks)} blocks, {len(graph.links)} wires", file=out)
        for note in imported.notes:
            print(f"traced for these inputs: {note}", file=out)
        if args.weights:
            metadata = {"format": "playground-weights", "step": "0"}
            writing = weights_path
            write_safetensors(imported.weights, weights_path, metadata)
            print(f"wrote {weights_path}: the module's {len(imported.weights)} weight tensors", file=out)
    except ProjectError as exc:
        print(f"{exc}: Playground could not open it, so nothing was written", file=err)
        return EXIT_UNREPRESENTABLE
    except OSError as exc:
        print(f"{writing}: cannot be written ({exc.strerror or exc})", file=err)
        return EXIT_UNLOADABLE
    if dataset:
        print(
            f"It trains on the dataset '{dataset}', the first bundled one that fits its inputs and outputs.", file=out
        )
    else:
        print("No bundled dataset fits its inputs and outputs: choose its data in the app or the file.", file=out)
    return EXIT_OK
