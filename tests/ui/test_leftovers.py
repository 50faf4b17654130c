"""What the window says belongs to the project it says it of: the last project's notes go with it, and a
mistyped preset id is answered with the ids it may have meant."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from tests.ui.conftest import click_block
from tests.ui.test_trained_weights import train_and_save
from tests.ui.test_training import LATER, play_until

CTRL = Qt.KeyboardModifier.ControlModifier


def test_the_last_projects_notes_are_gone_after_file_new(qtbot, window, spiral, dialogs) -> None:
    train_and_save(qtbot, window, spiral, 10)
    assert window.files.open_path(spiral)
    note = window.training.transport.loss_note
    qtbot.waitUntil(lambda: "restored" in note.text(), timeout=LATER)
    qtbot.keyClick(window.view, Qt.Key.Key_N, CTRL)  # File > New
    assert not window.document.graph.blocks
    assert note.text() == "" and not note.isVisible()


def test_a_mistyped_preset_id_names_the_ones_it_may_mean(qtbot, window, dialogs) -> None:
    assert not window.files.open_path(Path("lenet-digit"))
    assert "did you mean 'lenet-digits'" in dialogs.asked[-1]


def test_at_1280_wide_loss_goes_over_accuracy_and_the_plane_and_neurons_are_whole(qtbot, window, spiral) -> None:
    window.resize(1280, 690)
    assert window.files.open_path(spiral)
    panel = window.training
    qtbot.waitUntil(lambda: panel.views.plane.isVisible() and panel.views.neuron_view.isVisible(), timeout=LATER)
    qtbot.wait(100)
    loss, metric = panel.curves.loss_plot, panel.curves.metric_plot

    def top(widget) -> int:
        return widget.mapTo(window, QPoint(0, 0)).y()

    assert top(metric) > top(loss) + loss.height()
    plane, neurons = panel.views.plane, panel.views.neuron_view
    assert plane.width() >= 0.8 * plane.plot.height()  # the square plot nearly as wide as tall
    assert plane.mapTo(window, QPoint(plane.width(), 0)).x() <= neurons.mapTo(window, QPoint(0, 0)).x()
    window.resize(1800, 900)
    qtbot.waitUntil(lambda: top(metric) < top(loss) + loss.height())


def test_the_restart_banner_is_whole_and_leaves_the_transport_buttons_their_size(qtbot, window, spiral) -> None:
    window.resize(1280, 690)
    assert window.files.open_path(spiral)
    panel = window.training
    play_until(qtbot, window, 20)
    click_block(qtbot, window, "linear_1")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)  # the network changed under the running training
    qtbot.waitUntil(panel.transport.banner.isVisible, timeout=LATER)
    text = panel.transport.banner_text
    assert text.height() >= text.heightForWidth(text.width())  # every line of it shown
    for button in (
        panel.transport.step_button,
        panel.transport.epoch_button,
        panel.transport.stop_button,
        panel.transport.reset_button,
    ):
        assert button.height() >= button.sizeHint().height()
    qtbot.waitUntil(lambda: window.session.state == "ready", timeout=LATER)  # the edit paused it
