"""A run recorded headless (``playground train --record``) opened in the window, as `playground FILE --run
DIR` does: its curves, its keyframes on the timeline, every view at any of them, training on from its last;
a run of another network is refused in one line naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt

from playground.app import start_window
from tests.cli.test_cli import run
from tests.core.test_project import PRESETS
from tests.ui.test_training import FIRST, LATER, click


def recorded_spiral(tmp_path: Path) -> tuple[Path, Path]:
    path, folder = tmp_path / "spiral.json", tmp_path / "r"
    shutil.copy(PRESETS / "mlp-spiral.json", path)
    code, _, err = run("train", str(path), "--steps", "600", "--record", str(folder), "--device", "cpu")
    assert code == 0, err
    return path, folder


def test_the_app_opens_a_recorded_run_at_its_end_and_scrubs_it(qtbot, data_dir, dialogs, tmp_path) -> None:
    path, folder = recorded_spiral(tmp_path)
    window = start_window(path, folder)
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    timeline, panel = window.training.curves.timeline, window.training
    qtbot.waitUntil(lambda: bool(timeline.steps) and timeline.steps[-1] == 600, timeout=FIRST)
    assert timeline.steps[:4] == (0, 1, 2, 5) and 300 in timeline.steps
    assert "open at its last keyframe (step 600)" in panel.transport.loss_note.text()
    qtbot.waitUntil(lambda: len(panel.curves.points()[0]) > 0, timeout=LATER)
    assert panel.curves.points()[0][-1] == 600, "the run's curves"
    qtbot.waitUntil(lambda: window.live.last is not None and window.live.last.step == 600, timeout=LATER)
    at_end = np.array(panel.views.plane.image.image, copy=True)
    slider = timeline.slider
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(4, slider.height() // 2))
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: window.live.last.recorded and window.live.last.step == 0, timeout=LATER)
    assert not np.array_equal(np.array(panel.views.plane.image.image), at_end), "the untrained network's plane"
    qtbot.keyClick(slider, Qt.Key.Key_End)
    click(qtbot, panel.transport.step_button)
    qtbot.waitUntil(lambda: panel.curves.points()[0][-1] == 601, timeout=LATER)
    window.document.undo_stack.setClean()


def test_a_run_of_another_network_is_refused_naming_the_file(qtbot, window, tmp_path) -> None:
    _, folder = recorded_spiral(tmp_path)
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    window.training.open_run(folder)
    message = window.training.transport.message
    qtbot.waitUntil(message.isVisible, timeout=FIRST)
    assert message.text().startswith(f"The recorded run was not opened: {folder / 'keyframe-000000000.safetensors'}:")
    assert "no longer fit the network" in message.text()
    (folder / "run.json").write_text("{")
    window.training.open_run(folder)
    qtbot.waitUntil(lambda: "cannot be read as a recorded run" in message.text(), timeout=LATER)
    assert f"{folder / 'run.json'}:" in message.text()
