"""A recorded run's folder, its index read without torch (the command line checks a run before it opens a
window; nn/recording.py reads the keyframes it names). docs/recording.md describes the format."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from playground.core.files import read_bounded
from playground.core.project import parse
from playground.core.reader import ProjectError

RUN_FORMAT = "playground-run"
RUN_VERSION = 1
INDEX = "run.json"
MAX_INDEX_BYTES = 64 << 20


class RunError(Exception):
    """A run folder that cannot be opened, said in one line naming the file."""


def keyframe_name(step: int) -> str:
    return f"keyframe-{step:09d}.safetensors"


def read_index(folder: Path) -> dict[str, Any]:
    """``folder``'s run.json, checked: its format and version, its history, stride and keyframes (steps
    rising, files named after them). RunError names the file and what is wrong with it."""
    path = folder / INDEX
    if not path.is_file():
        raise RunError(f"{path}: not found: {folder} is not a recorded run (playground train --record)")
    try:
        index = parse(read_bounded(path, MAX_INDEX_BYTES).decode("utf-8"))  # as strictly as a project file
    except ProjectError as exc:
        where = f", {exc.where}" if exc.where else ""
        raise RunError(f"{path}: cannot be read as a recorded run ({exc.message}{where})") from None
    except (OSError, ValueError) as exc:
        raise RunError(f"{path}: cannot be read as a recorded run ({exc})") from None
    if not isinstance(index, dict) or index.get("format") != RUN_FORMAT:
        raise RunError(f"{path}: is not a Playground run (its format is not '{RUN_FORMAT}')")
    if index.get("version") != RUN_VERSION:
        raise RunError(f"{path}: is a run of version {index.get('version')!r}; this Playground reads {RUN_VERSION}")
    entries, history, stride = index.get("keyframes"), index.get("history"), index.get("stride")
    if not isinstance(history, list) or not all(
        isinstance(r, dict) and isinstance(r.get("step"), int) for r in history
    ):
        raise RunError(f"{path}: its 'history' is missing or damaged")
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise RunError(f"{path}: its 'stride' must be a whole number of at least 1")
    if not isinstance(entries, list) or not entries:
        raise RunError(f"{path}: lists no keyframes")
    last = -1
    for number, entry in enumerate(entries, 1):
        step = entry.get("step") if isinstance(entry, dict) else None
        if isinstance(step, bool) or not isinstance(step, int) or step <= last:
            raise RunError(f"{path}: keyframe {number}'s step must be a whole number after the one before")
        if entry.get("file") != keyframe_name(step):
            raise RunError(
                f"{path}: keyframe {number} must be the file {keyframe_name(step)}, not {entry.get('file')!r}"
            )
        epoch = entry.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int | float) or not math.isfinite(epoch):
            raise RunError(f"{path}: keyframe {number}'s epoch must be a number")
        last = step
    return index
