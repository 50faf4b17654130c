"""Where the app keeps its settings (settings_file.py), its crash-recovery files and My blocks.

``PLAYGROUND_DATA_DIR`` (used by the tests) moves them all into one folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from playground.core.files import atomic_write, read_bounded
from playground.core.project import MAX_FILE_BYTES


def data_dir() -> Path:
    override = os.environ.get("PLAYGROUND_DATA_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "Playground"
    with contextlib.suppress(OSError):  # a read-only or damaged data folder: each use says what it lacks
        path.mkdir(parents=True, exist_ok=True)
    return path


def library_dir() -> Path:
    """My blocks: the groups the user saved, one file each."""
    return data_dir() / "blocks"


@dataclass(frozen=True)
class Recovery:
    file: Path
    original: Path | None
    saved_at: float
    text: str


class RecoveryStore:
    """One autosave file per open project, written atomically; removed on save and clean exit."""

    def __init__(self) -> None:
        self.folder = data_dir() / "recovery"
        self.damaged: list[str] = []  # what became of the damaged autosaves ``latest`` found
        self.problem = ""  # why unsaved work is not autosaved, in one line (said once)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file or a link to one in its place, a read-only data folder
            self._cannot(exc)

    def _cannot(self, exc: OSError) -> None:
        self.problem = f"Unsaved work is not autosaved: {self.folder}: {exc.strerror or exc}"

    def file_for(self, original: Path | None) -> Path:
        key = str(original.resolve()) if original else "untitled"
        return self.folder / (hashlib.sha1(key.encode("utf-8")).hexdigest()[:16] + ".json")

    def write(self, original: Path | None, text: str) -> None:
        """Autosave ``text``; a folder that cannot hold it (read-only, a full disk, a file in its place)
        leaves ``problem`` said instead of raising into the window's timer."""
        target = self.file_for(original)
        record = json.dumps({"original": str(original) if original else None, "saved_at": time.time(), "project": text})
        try:
            atomic_write(target, lambda tmp: tmp.write_text(record, encoding="utf-8"))
        except OSError as exc:
            self._cannot(exc)

    def discard(self, original: Path | None) -> None:
        with contextlib.suppress(OSError):  # nothing there, or a folder that was never usable
            self.file_for(original).unlink(missing_ok=True)

    def latest(self) -> Recovery | None:
        """The most recent autosave left behind by a session that did not close cleanly. A damaged one
        (not a record of ours, a pipe or device in its place, too large) is set aside (``set_aside``),
        and what became of it listed in ``damaged`` for the window to say."""
        found = []
        self.damaged = []
        for file in self.folder.glob("*.json"):
            try:
                found.append(_record(file))
            except (OSError, ValueError, KeyError, TypeError):
                self.damaged.append(self.set_aside(file))
        return max(found, key=lambda r: r.saved_at, default=None)

    def set_aside(self, file: Path) -> str:
        """Move an autosave that cannot be used to ``recovery/damaged`` (kept for the user, never offered
        again); what became of it, said as the end of a sentence."""
        folder = self.folder / "damaged"
        target = folder / f"{file.stem}-{int(time.time())}{file.suffix}"
        try:
            folder.mkdir(exist_ok=True)
            os.replace(file, target)
        except OSError as exc:  # it cannot be moved: at least it is not offered again
            file.unlink(missing_ok=True)
            return f"removed, since it could not be set aside ({exc.strerror or exc})"
        return f"set aside in {folder}"


def _record(file: Path) -> Recovery:
    """An autosave as written by ``RecoveryStore.write``; ValueError (or OSError) for anything else."""
    record = json.loads(read_bounded(file, 4 * MAX_FILE_BYTES).decode("utf-8"))
    if not isinstance(record, dict):
        raise ValueError("not an autosave record")
    original, saved_at, text = record["original"], record["saved_at"], record["project"]
    if original is not None and (not isinstance(original, str) or not original or "\0" in original):
        raise ValueError("its original is not a path")
    if isinstance(saved_at, bool) or not isinstance(saved_at, int | float) or not math.isfinite(saved_at):
        raise ValueError("its time is not a number")
    if not isinstance(text, str):
        raise ValueError("its project is not text")
    return Recovery(file, Path(original) if original else None, float(saved_at), text)
