"""Where the app keeps its settings, its crash-recovery files and My blocks.

``PLAYGROUND_DATA_DIR`` (used by the tests) moves them all into one folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from playground.core.files import atomic_write, read_bounded
from playground.core.project import MAX_FILE_BYTES


def data_dir() -> Path:
    override = os.environ.get("PLAYGROUND_DATA_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "Playground"
    path.mkdir(parents=True, exist_ok=True)
    return path


def library_dir() -> Path:
    """My blocks: the groups the user saved, one file each."""
    return data_dir() / "blocks"


def settings() -> QSettings:
    if os.environ.get("PLAYGROUND_DATA_DIR"):
        return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings("Playground", "Playground")


def setting(key: str, default: Any) -> Any:
    """A stored setting, or ``default`` when it is missing, damaged or not of ``default``'s type: a damaged
    settings file never stops the app (QSettings raises for some damage, and returns text for the rest).
    ``default`` None asks for window geometry or state (a QByteArray)."""
    try:
        value = settings().value(key)
    except Exception:  # an @Variant QSettings cannot read back (it raises whatever its decoder does)
        return default
    if value is None:
        return default
    if default is None:
        return value if isinstance(value, QByteArray) else None
    if isinstance(default, bool):  # an ini file holds "true" and "false"
        return value if isinstance(value, bool) else {"true": True, "false": False}.get(str(value).lower(), default)
    if isinstance(default, int | float):
        try:
            number = type(default)(value)
        except (TypeError, ValueError, OverflowError):
            return default
        return number if math.isfinite(number) else default
    if isinstance(default, list):  # one entry comes back as plain text
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, list):
            return default
        return [entry for entry in entries if isinstance(entry, str) and entry and "\0" not in entry]
    return value if isinstance(value, str) else default


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
        self.folder.mkdir(parents=True, exist_ok=True)
        self.damaged: list[str] = []  # what became of the damaged autosaves ``latest`` found

    def file_for(self, original: Path | None) -> Path:
        key = str(original.resolve()) if original else "untitled"
        return self.folder / (hashlib.sha1(key.encode("utf-8")).hexdigest()[:16] + ".json")

    def write(self, original: Path | None, text: str) -> None:
        target = self.file_for(original)
        record = json.dumps({"original": str(original) if original else None, "saved_at": time.time(), "project": text})
        atomic_write(target, lambda tmp: tmp.write_text(record, encoding="utf-8"))

    def discard(self, original: Path | None) -> None:
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
