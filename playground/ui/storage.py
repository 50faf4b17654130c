"""Where the app keeps its settings, its crash-recovery files and My blocks.

``PLAYGROUND_DATA_DIR`` (used by the tests) moves them all into one folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from playground.core.files import atomic_write


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
        """The most recent autosave left behind by a session that did not close cleanly."""
        found = []
        for file in self.folder.glob("*.json"):
            try:
                record = json.loads(file.read_text(encoding="utf-8"))
                original = Path(record["original"]) if record.get("original") else None
                found.append(Recovery(file, original, float(record["saved_at"]), str(record["project"])))
            except (OSError, ValueError, KeyError, TypeError):
                file.unlink(missing_ok=True)  # a damaged autosave cannot be offered
        return max(found, key=lambda r: r.saved_at, default=None)
