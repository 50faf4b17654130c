"""The app's own settings (theme, UI scale, threads, recent files, the window's layout): one JSON file of
plain values in the app's data folder, ``settings.json``.

Plain data only: QSettings unpickled every ``@Variant(PySide::PyObjectWrapper …)`` it read, so a settings
file passed around "to get the same layout" ran code as the user. Here a value is a string, a number, a
truth value, a list of strings or bytes (the window's geometry, as base64), and anything else is ignored.
The file is only read when it is a regular file (a FIFO or a device would hang the start or never end);
a link to a regular file is read and written through (the link stays), a link to anything else is refused
in one line (``Settings.problem``) and never written through."""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray

from playground.core.files import atomic_write, read_bounded
from playground.ui.storage import data_dir

MAX_SETTINGS_BYTES = 1 << 20
BYTES = "base64"  # a value {"base64": "..."} holds bytes


class Settings:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem = ""  # why the file was not read or will not be written, in one line
        self.values = self._read()

    def _target(self) -> Path | None:
        """The regular file to read and write: the path itself, or where its link leads; None (with
        ``problem`` said) when that is a FIFO, a device or a folder."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            if self.path.is_symlink():
                self.problem = f"Settings not saved: {self.path} is a link to nothing (Playground leaves it alone)"
                return None
            return self.path
        except OSError as exc:
            self.problem = f"Settings not read: {self.path}: {exc.strerror or exc}"
            return None
        if not stat.S_ISREG(info.st_mode):
            what = "a link to" if self.path.is_symlink() else "not a file but"
            self.problem = (
                f"Settings not read or saved: {self.path} is {what} a pipe, a device or a folder (Playground "
                "starts with its defaults and leaves it alone)"
            )
            return None
        return self.path.resolve()

    def _read(self) -> dict[str, Any]:
        target = self._target()
        if target is None or not target.exists():
            return {}
        try:
            values = json.loads(read_bounded(target, MAX_SETTINGS_BYTES).decode("utf-8"))
        except (OSError, ValueError) as exc:
            self.problem = (
                f"Settings not read ({self.path}: {getattr(exc, 'strerror', None) or exc}): using the defaults"
            )
            return {}
        return values if isinstance(values, dict) else {}

    def value(self, key: str) -> Any:
        return self.values.get(key)

    def setValue(self, key: str, value: Any) -> None:  # QSettings' name, which the callers knew
        """Keep ``value`` (str, bool, int, float, list of str, or QByteArray) and write the file at once;
        a file that cannot be written (a read-only folder, a full disk) leaves the settings as they were."""
        if isinstance(value, QByteArray):
            value = {BYTES: base64.b64encode(bytes(value.data())).decode("ascii")}
        self.values[key] = value
        target = self._target()
        if target is None:
            return
        text = json.dumps(self.values, sort_keys=True, indent=1)
        try:
            atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        except OSError as exc:
            self.problem = f"Settings not saved: {target}: {exc.strerror or exc}"


def settings() -> Settings:
    return Settings(data_dir() / "settings.json")


def setting(key: str, default: Any) -> Any:
    """A stored setting, or ``default`` when it is missing, damaged or not of ``default``'s type: a damaged
    settings file never stops the app. ``default`` None asks for window geometry or state (a QByteArray)."""
    value = settings().value(key)
    if value is None:
        return default
    if default is None:
        return _bytes(value)
    if isinstance(default, bool):
        return value if isinstance(value, bool) else default
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default
        try:
            number = type(default)(value)
        except (TypeError, ValueError, OverflowError):
            return default
        return number if math.isfinite(number) else default
    if isinstance(default, list):
        if not isinstance(value, list):
            return default
        return [entry for entry in value if isinstance(entry, str) and entry and "\0" not in entry]
    return value if isinstance(value, str) else default


def _bytes(value: Any) -> QByteArray | None:
    if not isinstance(value, dict) or not isinstance(value.get(BYTES), str):
        return None
    try:
        return QByteArray(base64.b64decode(value[BYTES], validate=True))
    except (binascii.Error, ValueError):
        return None
