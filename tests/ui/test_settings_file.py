"""The app's settings are plain data: a settings file from someone else runs nothing, a pipe or a device in
its place neither hangs the start nor is written through, and a recovery folder the app cannot write in
starts the window all the same, said in one line."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from PySide6.QtCore import QSettings

from playground.ui.main_window import MainWindow
from playground.ui.settings_file import setting, settings


class Marker:
    """Unpickling this touches ``path``: what a hostile settings value did to QSettings' reader."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def start(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_pickled_value_in_a_settings_file_runs_nothing(qtbot, data_dir: Path, tmp_path: Path) -> None:
    """Settings files of the QSettings kind (the format Playground used to write) hold pickles that ran
    at the start; neither the old file nor a JSON one is unpickled."""
    ran = tmp_path / "ran"
    data_dir.mkdir(parents=True)
    old = QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)
    for key in ("theme", "recent", "geometry", "threads", "ui_scale", "save_weights"):
        old.setValue(key, Marker(ran))
    old.sync()
    assert "PyObjectWrapper" in (data_dir / "settings.ini").read_text(errors="replace")
    (data_dir / "settings.json").write_text(json.dumps({"theme": "dark", "recent": ["x.json"]}))
    window = start(qtbot)
    assert not ran.exists()
    assert window.theme.name == "dark"  # the JSON file is read
    window.close()
    assert not ran.exists()


def test_settings_are_written_as_plain_json_and_read_back(qtbot, data_dir: Path) -> None:
    window = start(qtbot)
    window.resize(760, 520)
    window.close()
    saved = json.loads((data_dir / "settings.json").read_text())
    assert set(saved["geometry"]) == {"base64"} and set(saved["windowState"]) == {"base64"}
    assert setting("geometry", None) is not None
    again = start(qtbot)
    assert (again.width(), again.height()) == (760, 520)  # the layout came back from the bytes
    again.close()


def test_a_pipe_as_the_settings_file_neither_hangs_nor_is_replaced(qtbot, data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    pipe = data_dir / "settings.json"
    os.mkfifo(pipe)
    started = time.monotonic()
    window = start(qtbot)
    assert time.monotonic() - started < 30
    assert "Settings not read or saved" in window.statusBar().currentMessage()
    assert str(pipe) in window.statusBar().currentMessage()
    window.close()  # writes the layout: not into the pipe, not over it
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_a_link_to_a_device_is_refused_and_a_link_to_a_file_written_through(qtbot, data_dir: Path, tmp_path) -> None:
    data_dir.mkdir(parents=True)
    link = data_dir / "settings.json"
    link.symlink_to("/dev/null")
    settings().setValue("theme", "dark")
    assert os.readlink(link) == "/dev/null" and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert "is a link to a pipe, a device or a folder" in settings().problem
    link.unlink()
    kept = tmp_path / "dotfiles" / "playground.json"
    kept.parent.mkdir()
    kept.write_text(json.dumps({"theme": "dark"}))
    link.symlink_to(kept)
    window = start(qtbot)
    assert window.theme.name == "dark"
    window.close()
    assert link.is_symlink() and "geometry" in json.loads(kept.read_text())  # through the link, which stays


def test_a_file_where_the_recovery_folder_belongs_starts_the_window(qtbot, data_dir: Path, spiral, dialogs) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "recovery").write_text("not a folder")
    window = start(qtbot)
    assert "Unsaved work is not autosaved" in window.statusBar().currentMessage()
    assert window.files.open_path(spiral)
    window.document.rename("linear_1", "first")
    window.files.write_recovery()  # said once, not raised into the timer
    assert "Unsaved work is not autosaved" in window.statusBar().currentMessage()
    assert (data_dir / "recovery").read_text() == "not a folder"
    window.close()
