"""The CPU threads setting of the training panel: chosen with the keyboard, applied to the running
training at once, shown in the status, kept for the next session."""

from __future__ import annotations

from PySide6.QtCore import Qt

from playground.host import cores
from playground.ui.settings_file import setting
from tests.ui.test_training import FIRST, click, pause, play_until


def test_a_chosen_thread_count_reaches_the_running_training_and_is_kept(qtbot, window, spiral) -> None:
    panel = window.training
    assert window.files.open_path(spiral)
    qtbot.waitUntil(
        lambda: " · 1 thread" in panel.transport.status.text(), timeout=FIRST
    )  # auto: one for a tiny network
    assert panel.controls.threads.currentText() == "auto"
    play_until(qtbot, window, 20)
    assert " 1 thread" in panel.transport.status.text()

    panel.controls.threads.setFocus()
    for _ in range(cores()):
        qtbot.keyClick(panel.controls.threads, Qt.Key.Key_Down)
    assert panel.controls.threads.currentText() == str(cores())
    want = f" {cores()} thread{'s' if cores() > 1 else ''}"
    qtbot.waitUntil(lambda: want in panel.transport.status.text(), timeout=FIRST)
    assert window.session.state == "running", "the change did not stop the run"
    assert setting("threads", 0) == cores()

    pause(qtbot, window)
    qtbot.keyClick(panel.controls.threads, Qt.Key.Key_Home)
    assert panel.controls.threads.currentText() == "auto"
    assert setting("threads", -1) == 0
    click(qtbot, panel.transport.play_button)
    qtbot.waitUntil(lambda: " 1 thread" in panel.transport.status.text(), timeout=FIRST)
    pause(qtbot, window)
