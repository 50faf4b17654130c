"""Starting the app, saving and reopening, and getting work back after the process is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QSpinBox

from playground.app import DEFAULT_PRESET, start_window
from playground.core.project import load
from playground.core.project_write import dumps
from playground.ui.gallery import Gallery
from playground.ui.storage import RecoveryStore
from playground.ui.window_files import recent_files
from tests.ui.conftest import click_block

ROOT = Path(__file__).resolve().parents[2]
CTRL = Qt.KeyboardModifier.ControlModifier


def started(qtbot, path: Path | None):
    window = start_window(path)
    if window is not None:
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
    return window


def test_starting_without_a_file_opens_the_default_preset(qtbot, data_dir, dialogs) -> None:
    window = started(qtbot, None)
    assert window.document.preset == DEFAULT_PRESET and window.document.path is None
    assert dumps(window.document.project) == dumps(load(DEFAULT_PRESET))
    assert set(window.scene.blocks) == set(window.document.graph.blocks) and len(window.scene.blocks) == 7
    assert window.windowTitle().startswith("mlp-spiral (preset)") and not window.isWindowModified()
    assert recent_files() == [str(DEFAULT_PRESET.resolve())]
    assert dialogs.asked == []
    gallery = window.findChild(Gallery)
    assert gallery is not None and gallery.isVisible(), "the first start shows the gallery as a start page"
    gallery.reject()
    assert started(qtbot, None).findChild(Gallery) is None, "later starts go straight to the preset"


def test_starting_with_a_missing_file_says_so_and_gives_up(qtbot, data_dir, dialogs, tmp_path) -> None:
    assert started(qtbot, tmp_path / "nowhere.json") is None
    assert len(dialogs.asked) == 1 and "nowhere.json" in dialogs.asked[0]


def test_save_with_ctrl_s_then_reopen_gives_the_same_project(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    click_block(qtbot, window, "tanh_2")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    click_block(qtbot, window, "linear_1")
    spin = window.inspector.findChild(QSpinBox, "param_out_features")
    spin.selectAll()
    qtbot.keyClicks(spin, "12")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.document.graph.blocks["linear_1"].params["out_features"] == 12
    assert window.isWindowModified()
    edited = dumps(window.document.project)

    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert not window.isWindowModified()
    assert spiral.read_text(encoding="utf-8") == edited
    assert not window.files.recovery.file_for(spiral).exists()

    again = started(qtbot, spiral)
    assert dumps(again.document.project) == edited
    assert "tanh_2" not in again.scene.blocks
    assert "12" in again.scene.blocks["linear_1"].detail and again.view.items()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_app_offers_the_edit_back_at_the_next_start(qtbot, data_dir, dialogs, spiral) -> None:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.edit_then_hang", str(spiral), "tanh_2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, process.kill)  # a driver that never autosaves must not hang the suite
    watchdog.start()
    try:
        assert process.stdout.readline().strip() == "autosaved"
    finally:
        watchdog.cancel()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    dialogs.answer = QMessageBox.StandardButton.Yes
    window = started(qtbot, None)
    assert len(dialogs.asked) == 1 and "spiral.json" in dialogs.asked[0]
    assert window.document.path == spiral
    assert "tanh_2" not in window.document.graph.blocks and "tanh_2" not in window.scene.blocks
    assert len(window.document.graph.blocks) == 6 and window.document.analysis.problems
    assert window.document.modified and window.isWindowModified()
    assert "tanh_2" in load(spiral).graph.blocks, "the file itself is untouched until the user saves"
    dialogs.answer = QMessageBox.StandardButton.Discard  # let the window close at the end of the test


def test_declining_the_recovery_discards_it_and_opens_normally(qtbot, data_dir, dialogs, spiral) -> None:
    RecoveryStore().write(spiral, spiral.read_text(encoding="utf-8"))
    dialogs.answer = QMessageBox.StandardButton.No
    second = started(qtbot, None)
    assert len(dialogs.asked) == 1 and second.document.preset == DEFAULT_PRESET
    assert not any(RecoveryStore().folder.iterdir())
    third = started(qtbot, None)
    assert len(dialogs.asked) == 1 and third.document.preset == DEFAULT_PRESET


def test_the_readme_start_command_runs_the_app_on_the_default_preset(data_dir) -> None:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "playground"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    settings_file = data_dir / "settings.json"
    try:
        for _ in range(300):
            if process.poll() is not None or (settings_file.exists() and "mlp-spiral" in settings_file.read_text()):
                break
            time.sleep(0.1)
        assert process.poll() is None, process.stderr.read()
    finally:
        process.kill()
        process.wait(timeout=30)
    assert json.loads(settings_file.read_text())["recent"] == [str(DEFAULT_PRESET.resolve())]
