"""File > Export Animation…: the recorded run's steps drawn by the view chosen (only those the run shows
are offered), from and to the steps chosen, grabbed as the window draws them into an animated GIF; the
timeline goes back to the step it showed."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton

from playground.app import start_window
from playground.runtime.animation import frames_of
from tests.ui.conftest import LEFT
from tests.ui.test_fields_and_keys import type_into
from tests.ui.test_open_run import recorded_spiral
from tests.ui.test_training import FIRST, LATER


def choose_in_menu(qtbot, window, menu_title: str, action_name: str) -> None:
    """Open a menu of the menu bar with a click and click one of its actions."""
    bar = window.menuBar()
    title = next(a for a in bar.actions() if a.text().replace("&", "") == menu_title)
    qtbot.mouseClick(bar, LEFT, pos=bar.actionGeometry(title).center())
    menu = title.menu()
    qtbot.waitUntil(menu.isVisible)
    action = next(a for a in menu.actions() if a.objectName() == action_name)
    qtbot.mouseClick(menu, LEFT, pos=menu.actionGeometry(action).center())


def test_export_animation_draws_the_plane_at_each_step_chosen_into_a_gif(qtbot, data_dir, dialogs, tmp_path) -> None:
    path, folder = recorded_spiral(tmp_path)
    window = start_window(path, folder)
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    timeline = window.training.curves.timeline
    qtbot.waitUntil(lambda: bool(timeline.steps) and timeline.steps[-1] == 600, timeout=FIRST)
    qtbot.waitUntil(lambda: window.live.last is not None, timeout=LATER)
    target = tmp_path / "slides" / "spiral.gif"
    target.parent.mkdir()
    offered: list[list[str]] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "animationDialog":
            QTimer.singleShot(20, fill)
            return
        view = dialog.findChild(QComboBox, "animationView")
        offered.append([view.itemData(i) for i in range(view.count())])
        view.setFocus()
        for _ in range(offered[0].index("plane") - view.currentIndex()):
            qtbot.keyClick(view, Qt.Key.Key_Down)
        first = dialog.findChild(QComboBox, "animationFrom")
        first.setFocus()
        for _ in range(3):  # steps 0, 1, 2, then 5
            qtbot.keyClick(first, Qt.Key.Key_Down)
        last = dialog.findChild(QComboBox, "animationTo")
        last.setFocus()
        for _ in range(last.currentIndex() - last.findData(300)):
            qtbot.keyClick(last, Qt.Key.Key_Up)
        type_into(qtbot, dialog.findChild(QLineEdit, "animationPath"), str(target), finish=None)
        qtbot.mouseClick(dialog.findChild(QPushButton, "animationExport"), LEFT)

    QTimer.singleShot(0, fill)
    choose_in_menu(qtbot, window, "File", "export_animation")
    qtbot.waitUntil(lambda: "Wrote" in window.statusBar().currentMessage(), timeout=LATER)
    wanted = frames_of(timeline.steps, 5, 300)
    assert window.statusBar().currentMessage() == f"Wrote {len(wanted)} frames to {target}"
    assert "plane" in offered[0] and "neurons" in offered[0] and "window" in offered[0]
    assert "predictions" not in offered[0] and "stage" not in offered[0], "only what this run shows, now"
    with Image.open(target) as gif:
        assert gif.n_frames == len(wanted) and gif.info["duration"] == 100
        assert gif.size == (window.training.views.plane.width(), window.training.views.plane.height())
        frames = []
        for number in range(gif.n_frames):
            gif.seek(number)
            frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
    assert len({frame.tobytes() for frame in frames}) > len(frames) // 2, "the steps drawn as they were"
    assert np.abs(frames[-1] - frames[0]).max() > 30, "step 5's boundary is not step 300's"
    qtbot.waitUntil(lambda: timeline.step() is None, timeout=LATER)  # back to live, where it was
    window.document.undo_stack.setClean()
