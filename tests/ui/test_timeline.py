"""The timeline under the curves, driven with the mouse and the keys: every view goes back to a recorded
step (the input plane as it was then, the cursor on the curves, the status line), and End comes back live,
while training goes on."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from tests.core.test_project import PRESETS
from tests.ui.test_training import FIRST, LATER, click, pause, play_until


def plane_pixels(window) -> np.ndarray:
    return np.array(window.training.views.plane.image.image, copy=True)


def test_the_timeline_takes_every_view_back_to_a_recorded_step_and_end_comes_back_live(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    timeline, live = window.training.curves.timeline, window.live
    qtbot.waitUntil(lambda: live.last is not None and live.last.step == 0, timeout=FIRST)
    qtbot.waitUntil(lambda: window.training.views.plane.image.image is not None, timeout=LATER)
    untrained = plane_pixels(window)
    play_until(qtbot, window, 300)
    trained_to = pause(qtbot, window)
    qtbot.waitUntil(lambda: timeline.steps and timeline.steps[-1] == trained_to, timeout=LATER)
    assert timeline.steps[:3] == (0, 1, 2) and timeline.status.text().startswith(f"Live: step {trained_to:,}")
    assert not timeline.live.isEnabled()
    trained = plane_pixels(window)
    assert not np.array_equal(trained, untrained)

    slider = timeline.slider
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider.width() // 2, slider.height() // 2))
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert timeline.status.text() == f"Step 0 of {trained_to:,}, recorded" and timeline.live.isEnabled()
    qtbot.waitUntil(lambda: live.last.recorded and live.last.step == 0, timeout=LATER)
    assert np.array_equal(plane_pixels(window), untrained), "the input plane of the untrained network, again"
    cursor = window.training.curves.cursors[0]
    assert cursor.isVisible() and cursor.value() == 0

    qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: live.last.recorded and live.last.step == 1, timeout=LATER)
    assert timeline.status.text() == f"Step 1 of {trained_to:,}, recorded" and cursor.value() == 1

    click(qtbot, window.training.transport.play_button)  # training goes on while the past is shown
    qtbot.waitUntil(lambda: timeline.live_step > trained_to + 50, timeout=LATER)
    assert live.last.recorded and live.last.step == 1 and timeline.status.text().startswith("Step 1 of ")
    click(qtbot, timeline.live)
    qtbot.waitUntil(lambda: not live.last.recorded and live.last.step > trained_to, timeout=LATER)
    assert not cursor.isVisible() and timeline.status.text().startswith("Live: step ")
    pause(qtbot, window)
