"""Headless commands: check, summary, train, export, import, grade, animate, blocks, datasets. No Qt is
imported here (animate draws with the app's window, offscreen: cli_animate.py), and torch only inside the
commands that need it.

Exit codes: 0 done, 1 bad project (problems printed one per line), 2 a file cannot be read or written
(or exists, where replacing it needs --force), 3 training diverged, 4 training stopped by the device (out
of memory), 130 training stopped by Ctrl+C before its end.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from playground import cli_animate, cli_reference, cli_types
from playground.core.machine import BYTES_PER_WEIGHT, size_text
from playground.core.project import load
from playground.core.project_types import Project
from playground.core.reader import ProjectError
from playground.core.registry import format_shape, get_spec
from playground.core.shapes import analyse
from playground.host import VERSION, cores, is_preset, nearest_presets, project_file
from playground.loading import load_torch

EXIT_OK, EXIT_BAD_PROJECT, EXIT_UNREADABLE, EXIT_DIVERGED, EXIT_DEVICE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
CHECK_BUILDS_UP_TO = 256 << 20  # bytes of weights: a larger network is checked without building it
COMMANDS = ("check", "summary", "train", "export", "import", "grade", "animate", "blocks", "datasets")
WITHOUT_TORCH = ("blocks", "animate")  # every other command trains, reads data or checks with torch


class _Failure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _open(name: str) -> Project:
    path = project_file(name)
    try:
        return load(path)
    except ProjectError as exc:
        raise _Failure(EXIT_BAD_PROJECT, str(exc)) from None
    except IsADirectoryError:
        raise _Failure(EXIT_UNREADABLE, f"{path}: is a folder, not a project file") from None
    except OSError as exc:
        raise _Failure(
            EXIT_UNREADABLE, f"{path}: cannot be read ({exc.strerror or exc}){nearest_presets(name)}"
        ) from None


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    code = EXIT_OK
    for path in args.files:
        try:
            project = _open(path)
        except _Failure as exc:
            print(exc.message, file=err)
            code = max(code, exc.code)
            continue
        analysis = analyse(project.graph)
        problems = [f"{path}: {p}" for p in [p.message for p in analysis.problems] + _setup_problems(project)]
        weights = analysis.total_params * BYTES_PER_WEIGHT
        large = weights > CHECK_BUILDS_UP_TO
        notes: list[str] = []
        if not problems and not large:
            problems, notes = _data_problems(project, project_file(path), err)
        for problem in problems:
            print(problem, file=err)
        if problems:
            code = max(code, EXIT_BAD_PROJECT)
        elif large:
            print(
                f"{path}: ok, but the data was not tried with the network: its weights take {size_text(weights)}, "
                "more than check builds ('train' tries it)",
                file=out,
            )
        else:
            print(f"{path}: ok", file=out)
            for note in notes:
                print(f"{path}: {note}", file=out)
    return code


def _data_problems(project: Project, path: Path, err: TextIO) -> tuple[list[str], list[str]]:
    """What ``train`` would refuse once it reads the data: a missing or damaged file, an Input that
    the dataset contradicts, a task that does not fit (the same messages, on the CPU, nothing trained);
    else what reading the data decided (an image folder's counts and the files it left out)."""
    from playground.nn.train_run import build_trainer

    found = build_trainer(project, path, err=err)
    return (found, []) if isinstance(found, list) else ([], [found.data.note] if found.data.note else [])


def _setup_problems(project: Project) -> list[str]:
    """What the training side would refuse: an unknown dataset or task, bad dataset parameters."""
    from playground.nn.data.base import DataError, resolve
    from playground.nn.tasks import TASKS

    problems = []
    try:
        resolve(project.dataset)
    except DataError as exc:
        problems.append(f"dataset: {exc}")
    if project.training.task not in TASKS:
        problems.append(f"training.task: there is no task '{project.training.task}' (known: {', '.join(TASKS)})")
    return problems


def cmd_summary(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    project = _open(args.file)
    graph = project.graph
    analysis = analyse(graph)
    rows = [("block", "type", "output shape", "parameters")]
    for block_id in graph.blocks:
        block = graph.blocks[block_id]
        spec = get_spec(block.type)
        shapes = analysis.shapes.get(block_id)
        if block.type == "output":
            into = graph.link_into(block_id, 0)
            shape_text = format_shape(analysis.wire_shape(into)) if into else "?"
        else:
            shape_text = ", ".join(format_shape(s) for s in shapes) if shapes else "?"
        count = analysis.param_counts.get(block_id)
        rows.append(
            (block_id, spec.title if spec else block.type, shape_text, f"{count:,}" if count is not None else "?")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print(f"{project.title} ({args.file})", file=out)
    for i, row in enumerate(rows):
        print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]:>{widths[3]}}", file=out)
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)
    shared = f" (tied weights counted once: {analysis.shared:,} fewer than the blocks' sum)" if analysis.shared else ""
    print(f"  total parameters: {analysis.total_params:,}{shared}", file=out)
    for name, to in project.graph.ties.items():
        print(f"  tied: {name} is {to}", file=out)
    for problem in analysis.problems:
        print(f"{args.file}: {problem.message}", file=err)
    return EXIT_BAD_PROJECT if analysis.problems else EXIT_OK


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    project = _open(args.file)
    path = project_file(args.file)
    if args.save_weights and is_preset(path):
        print(
            f"{path}: is a lecture preset, and Playground writes nothing into the presets folder: copy it "
            f"(cp {path} {path.name}) and train the copy to save weights",
            file=err,
        )
        return EXIT_BAD_PROJECT
    from playground.nn.train_run import run_training

    return run_training(project, path, args, out, err)


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    project = _open(args.file)
    from playground.nn.export_run import run_export

    return run_export(project, project_file(args.file), args, out, err)


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from playground.nn.import_run import run_import

    return run_import(args, out, err)


def cmd_grade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    assigned = _open(args.assignment)
    path = project_file(args.assignment)
    if assigned.assignment is None:
        print(f"{path}: is a project, not an assignment (File > New Assignment makes one)", file=err)
        return EXIT_BAD_PROJECT
    if assigned.assignment.source:
        print(
            f"{path}: is a student's project made from the assignment {assigned.assignment.source}: grade with that",
            file=err,
        )
        return EXIT_BAD_PROJECT
    if not assigned.assignment.goals:
        print(f"{path}: the assignment has no goals to grade", file=err)
        return EXIT_BAD_PROJECT
    from playground.nn.grade_run import run_grade

    return run_grade(assigned, path, args, out, err)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="Build neural networks from blocks and train them.",
        epilog="Without a command, 'playground' opens the window with the mlp-spiral preset, and 'playground FILE' "
        "opens the window with that project. Wherever a FILE is expected, a lecture preset's id works too "
        "('playground train mlp-spiral'; 'playground datasets' and the gallery list them).",
    )
    parser.add_argument("--version", action="version", version=f"playground {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="validate project files (exit 0 valid, 1 problems, 2 unreadable)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(run=cmd_check)
    summary = sub.add_parser("summary", help="table of blocks, output shapes and parameter counts")
    summary.add_argument("file", metavar="FILE")
    summary.set_defaults(run=cmd_summary)
    train = sub.add_parser("train", help="train the project headless and report progress (exit 3: diverged)")
    train.add_argument("file", metavar="FILE")
    length = train.add_mutually_exclusive_group()
    length.add_argument(
        "--epochs", type=cli_types.positive, metavar="N", help="train N epochs (default: the project's)"
    )
    length.add_argument("--steps", type=cli_types.positive, metavar="N", help="train N steps (batches)")
    train.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    train.add_argument("--seed", type=int, metavar="S", help="override the project's seed")
    train.add_argument("--json", action="store_true", help="one JSON object per line instead of a progress bar")
    train.add_argument(
        "--eval-every", type=cli_types.positive, metavar="N", help="evaluate every N steps (default: 20 times a run)"
    )
    train.add_argument(
        "--save-weights", action="store_true", help="save weights and trainer state as safetensors beside the project"
    )
    train.add_argument("--resume", action="store_true", help="continue from the state --save-weights saved")
    train.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="record the run into DIR, a new or empty folder (keyframes for the time machine, docs/recording.md)",
    )
    train.add_argument(
        "--threads",
        type=cli_types.positive,
        metavar="N",
        help="CPU threads torch computes with (default: 1 for a network of small operations, else every core)",
    )
    train.set_defaults(run=cmd_train)
    export = sub.add_parser(
        "export",
        help="write the network as Python source, TorchScript, ONNX or a standalone training script, with the "
        "trained weights saved beside the project",
    )
    export.add_argument("file", metavar="FILE")
    export.add_argument(
        "--format",
        choices=("python", "torchscript", "onnx", "script"),
        default="python",
        help="python: a module and its weights (.safetensors); script: a folder with model.py, train.py and "
        "the data (default: python)",
    )
    export.add_argument("-o", "--output", required=True, metavar="OUT", help="the file (a folder for script)")
    weights = export.add_mutually_exclusive_group()
    weights.add_argument(
        "--weights", metavar="FILE", help="these weights (.safetensors) instead of those saved beside the project"
    )
    weights.add_argument("--untrained", action="store_true", help="fresh weights from the project's seed")
    export.add_argument(
        "--force", action="store_true", help="replace files that exist (never the project or the weights it reads)"
    )
    export.set_defaults(run=cmd_export)
    imports = sub.add_parser(
        "import",
        help="a PyTorch module as a project (exit 1: it cannot be represented, 2: SOURCE cannot be loaded); "
        "this runs SOURCE's Python code",
        description="Trace a torch.nn.Module with torch.fx and write it as a project: its layers and operations as "
        "blocks. Importing runs SOURCE's Python code, as python itself would (opening a project never does).",
    )
    imports.add_argument("source", metavar="SOURCE", help="path/to/file.py:Name or package.module:Name")
    imports.add_argument("-o", "--output", required=True, metavar="OUT", help="the project file to write")
    imports.add_argument(
        "--input-shape",
        type=cli_types.shape,
        action="append",
        metavar="N,C,H,W",
        help="the shape of forward()'s input, batch first; once per input (needed unless a Linear reads it)",
    )
    imports.add_argument("--weights", action="store_true", help="carry the module's weights to OUT's weights file")
    imports.add_argument("--force", action="store_true", help="replace OUT (and its weights file) if they exist")
    imports.set_defaults(run=cmd_import)
    grade = sub.add_parser(
        "grade",
        help="train every submission of an assignment and say which goals each meets (a table, and --csv)",
        description="Train each submission headless with the assignment's seed for its steps, one process per "
        "submission, and write one row each: every goal met or not with the value measured (on the assignment's "
        "held-out test set where it has one), the total, and why a submission was not trained (locked parts "
        "changed, damaged, does not compile, reads the answers, diverged, needs more memory, timed out). Entries "
        "left out are named, copies marked. Exit 0 when every submission has its row.",
    )
    grade.add_argument("assignment", metavar="ASSIGNMENT", help="the assignment file (or a shipped one's id)")
    grade.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSIONS",
        help="project files, folders of them or of one folder per student, zips of either",
    )
    grade.add_argument("--csv", type=Path, metavar="OUT", help="also write the rows to OUT as CSV")
    grade.add_argument("--force", action="store_true", help="replace the CSV file and feedback files if they exist")
    grade.add_argument(
        "--jobs", type=cli_types.positive, default=cores(), metavar="N", help="submissions at once (default: cores)"
    )
    grade.add_argument(
        "--timeout",
        type=cli_types.seconds,
        default=600.0,
        metavar="S",
        help="seconds one submission may take (default: 600)",
    )
    grade.add_argument(
        "--memory",
        type=cli_types.gigabytes,
        metavar="GB",
        help="memory one grading process may hold (default: the machine's, shared among --jobs)",
    )
    grade.add_argument(
        "--feedback", type=Path, metavar="DIR", help="also write one file per student to DIR: each goal, what was wrong"
    )
    grade.add_argument("--quiet", action="store_true", help="no line per submission graded on the error stream")
    grade.set_defaults(run=cmd_grade)
    cli_animate.add_parser(sub)
    blocks = sub.add_parser("blocks", help="list every block type with its description")
    blocks.add_argument("--markdown", action="store_true", help="full reference with parameters, as Markdown")
    blocks.set_defaults(run=cli_reference.cmd_blocks)
    datasets = sub.add_parser("datasets", help="list every dataset with its parameters")
    datasets.add_argument("--markdown", action="store_true", help="full reference with parameters, as Markdown")
    datasets.set_defaults(run=cli_reference.cmd_datasets)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        if args.command not in WITHOUT_TORCH:
            load_torch()
        return args.run(args, out, err)
    except _Failure as exc:
        print(exc.message, file=err)
        return exc.code
    except KeyboardInterrupt:  # before a command's own handling began (torch still being imported, say)
        print(f"playground {args.command}: stopped by Ctrl+C before it began: nothing was done", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the output's reader is gone (``playground train ... | head``): not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (left open: Python flushes stdout at exit)
        return EXIT_OK
