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


def test_replay_plays_the_recorded_run_back_in_order_and_stops_on_its_last_step(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    timeline, live = window.training.curves.timeline, window.live
    play_until(qtbot, window, 200)
    trained_to = pause(qtbot, window)
    qtbot.waitUntil(lambda: timeline.steps and timeline.steps[-1] == trained_to, timeout=LATER)
    drawn: list[int] = []
    real_show = live.show
    live.show = lambda snapshot: (drawn.append(snapshot.step) if snapshot.recorded else None, real_show(snapshot))
    timeline.replay_lengths[0].trigger()  # the whole run in 5 s, from the Replay button's menu
    click(qtbot, timeline.replay)
    assert timeline.replay.text() == "Stop replay"
    qtbot.waitUntil(lambda: timeline.replay.text() == "Replay", timeout=LATER)
    qtbot.waitUntil(lambda: drawn and drawn[-1] == trained_to, timeout=LATER)
    assert drawn[0] == 0 and drawn == sorted(drawn) and len(set(drawn)) >= min(len(timeline.steps), 20), drawn
    assert (
        set(drawn) <= set(timeline.steps)
        and timeline.status.text() == f"Step {trained_to:,} of {trained_to:,}, recorded"
    )


def test_continue_from_here_starts_a_run_at_the_step_shown_with_the_run_before_faded(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    curves, timeline = window.training.curves, window.training.curves.timeline
    play_until(qtbot, window, 200)
    trained_to = pause(qtbot, window)
    qtbot.waitUntil(lambda: timeline.steps and timeline.steps[-1] == trained_to, timeout=LATER)
    assert not timeline.branch.isEnabled(), "live: nothing to continue from"
    slider = timeline.slider
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(4, slider.height() // 2))
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    for _ in range(4):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    shown = timeline.step()
    assert shown == timeline.steps[4] and timeline.branch.isEnabled()
    click(qtbot, timeline.branch)
    qtbot.waitUntil(lambda: window.session.state == "ready" and timeline.step() is None, timeout=LATER)
    assert [label.text for _, label in curves.loss_plot.getPlotItem().legend.items][-1] == (
        f"before the branch at step {shown:,}"
    )
    assert curves.branch_mark.isVisible() and curves.branch_mark.value() == shown
    click(qtbot, window.training.transport.step_button)
    qtbot.waitUntil(lambda: len(curves.points()[0]) > 0 and curves.points()[0][-1] == shown + 1, timeout=LATER)
    assert curves.points()[0][0] <= shown < curves.points()[0][-1], "the branch's curve starts where it branched"


def test_another_project_opened_leaves_nothing_of_the_last_ones_recording(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    timeline = window.training.curves.timeline
    play_until(qtbot, window, 100)
    pause(qtbot, window)
    qtbot.waitUntil(lambda: len(timeline.steps) > 3, timeout=LATER)
    qtbot.mouseClick(timeline.slider, Qt.MouseButton.LeftButton, pos=QPoint(4, timeline.slider.height() // 2))
    qtbot.keyClick(timeline.slider, Qt.Key.Key_Home)
    assert timeline.step() == 0
    window.document.undo_stack.setClean()
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    assert timeline.steps == () or timeline.steps == (0,), "only the new project's start, if it is loaded yet"
    assert timeline.step() is None and timeline.status.text().startswith("Live: step 0")
