"""A run's life in the app: it stops at its epochs, a dead training process is noticed and replaced, and
opening another project leaves nothing of the previous one on screen."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from playground.host import PRESETS
from tests.ui.conftest import click_block
from tests.ui.test_training import FIRST, LATER, click, play_until, step_of, wait_ready

CTRL = Qt.KeyboardModifier.ControlModifier


def spiral_with(tmp_path: Path, **training) -> Path:
    doc = json.loads((PRESETS / "mlp-spiral.json").read_text())
    doc["training"].update(training)
    target = tmp_path / "spiral.json"
    target.write_text(json.dumps(doc))
    return target


def test_play_stops_at_the_epochs_and_then_trains_on(qtbot, window, tmp_path) -> None:
    loaded = []
    window.session.loaded.connect(loaded.append)
    assert window.files.open_path(spiral_with(tmp_path, epochs=3, batch_size=100))
    panel = window.training
    wait_ready(qtbot, window, FIRST)  # the project is loaded at once, not played
    per_epoch = loaded[-1].steps_per_epoch
    assert per_epoch > 1
    click(qtbot, panel.transport.play_button)
    qtbot.waitUntil(lambda: panel.transport.status.text().startswith("Done"), timeout=LATER)
    assert window.session.state == "ready" and step_of(window) == 3 * per_epoch
    assert "3 epochs trained" in panel.transport.status.text() and panel.transport.play_button.text() == "Play"
    play_until(qtbot, window, 3 * per_epoch + 5)  # Play goes on past the end, on purpose
    click(qtbot, panel.transport.play_button)
    wait_ready(qtbot, window)


def test_epochs_zero_trains_until_paused(qtbot, window, tmp_path) -> None:
    assert window.files.open_path(spiral_with(tmp_path, epochs=0, batch_size=100))
    assert window.training.controls.settings.training_editors["epochs"].text() == "until stopped"
    play_until(qtbot, window, 60)  # 60 steps: past any small number of epochs
    assert window.session.state == "running"
    click(qtbot, window.training.transport.play_button)
    wait_ready(qtbot, window)


@pytest.mark.fresh_worker  # a new worker is started after the death, as in the app
def test_a_killed_training_process_is_noticed_and_play_starts_a_new_one(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    panel = window.training
    play_until(qtbot, window, 20)
    curve_points = len(panel.curves.train)
    os.kill(window.session.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: panel.transport.message.isVisible(), timeout=2000)  # within 2 s
    assert "killed (SIGKILL, signal 9), perhaps out of memory" in panel.transport.message.text()
    assert "press Play to start again" in panel.transport.message.text()
    assert window.session.state == "failed" and panel.transport.play_button.text() == "Play"
    assert len(panel.curves.train) >= curve_points and "tanh_2" in window.document.graph.blocks
    old = window.session.process.pid
    click(qtbot, panel.transport.play_button)
    qtbot.waitUntil(lambda: step_of(window) >= 10 and window.session.process.pid != old, timeout=FIRST)
    assert not panel.transport.message.isVisible()
    click(qtbot, panel.transport.play_button)
    wait_ready(qtbot, window)
    assert window.training.controls.device.count() == len(set(window.session.catalogue.devices)) + 1  # no repeats


def test_opening_another_project_shows_its_data_and_none_of_the_last(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "vae-digits.json")
    panel = window.training
    play_until(qtbot, window, 5)
    qtbot.waitUntil(lambda: "ELBO" in panel.curves.metric_plot.getPlotItem().titleLabel.text, timeout=LATER)
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    assert "ELBO" not in panel.curves.metric_plot.getPlotItem().titleLabel.text
    assert len(panel.curves.train) == 0 and not panel.curves.old_items
    # before any Play: the points on the input plane, the untrained output under them, the first figures
    qtbot.waitUntil(lambda: panel.views.isVisible() and panel.views.plane.isVisible(), timeout=LATER)
    qtbot.waitUntil(lambda: panel.curves.metric_name == "accuracy", timeout=LATER)
    assert window.session.state == "ready" and step_of(window) == 0


def test_delete_undo_and_open_another_raises_nothing(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    click_block(qtbot, window, "linear_2")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert "linear_2" in window.document.graph.blocks
    assert window.files.open_path(PRESETS / "mlp-xor.json")  # a KeyError in show_analysis once escaped here
    assert set(window.scene.blocks) == set(window.document.graph.blocks)


def test_an_exception_in_a_slot_is_caught_by_the_test_harness(qtbot) -> None:
    from PySide6.QtCore import QTimer

    def broken() -> None:
        raise KeyError("on purpose")

    with qtbot.capture_exceptions() as caught:
        QTimer.singleShot(0, broken)
        qtbot.wait(50)
    assert len(caught) == 1 and caught[0][0] is KeyError
