"""Live training driven from the training panel, the keyboard and the canvas, with the real worker."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit

from playground.core.graph import Link
from playground.runtime.messages import Progress
from tests.ui.conftest import PRESETS, click_block

LEFT = Qt.MouseButton.LeftButton
FIRST = 60_000  # ms: the first run starts the worker process and imports torch
LATER = 40_000  # ms: a wait after the first (a busy machine, or two test workers, stretch it)


@pytest.fixture
def spiral_window(qtbot, window, spiral):
    assert window.files.open_path(spiral)
    return window


def click(qtbot, button) -> None:
    if isinstance(button, QCheckBox):
        qtbot.mouseClick(button, LEFT, pos=QPoint(8, button.height() // 2))  # on the box itself
    else:
        qtbot.mouseClick(button, LEFT)


def step_of(window) -> int:
    progress = window.training.last_progress
    return progress.step if progress is not None else -1


def wait_ready(qtbot, window, timeout: int = LATER) -> None:
    qtbot.waitUntil(lambda: window.session.state == "ready", timeout=timeout)


def play_until(qtbot, window, steps: int) -> None:
    panel = window.training
    click(qtbot, panel.transport.play_button)
    qtbot.waitUntil(lambda: step_of(window) >= steps, timeout=FIRST)


def pause(qtbot, window) -> int:
    if window.session.state == "running":  # a run may have reached its epochs and stopped by itself
        click(qtbot, window.training.transport.play_button)
    wait_ready(qtbot, window)
    return step_of(window)


def train_preset(qtbot, window, name: str, steps: int):
    """Open a preset, train it for at least ``steps`` steps and pause; the training panel."""
    assert window.files.open_path(PRESETS / f"{name}.json")
    play_until(qtbot, window, steps)
    pause(qtbot, window)
    return window.training


def test_play_shows_a_falling_loss_then_pause_and_step_advance_exactly_one(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    play_until(qtbot, window, 2000)
    assert window.session.state == "running" and "Pause" in panel.transport.play_button.text()
    x, y = panel.curves.points()
    assert len(y) == len(x)
    assert len(x) > 100 and x[0] <= 2  # step 1 (or, at a narrow plot, its pixel's pair, peak-downsampled)
    assert panel.curves.train.x[0] == 1
    raw = panel.curves.train.y
    assert raw[:50].mean() > 1.5 * raw[-50:].mean(), "the training loss falls"
    val = panel.curves.val["val_loss"].y
    assert len(val) >= 2 and val[-1] < 0.8 * val[0] and panel.curves.val_item.getData()[0] is not None

    stopped_at = pause(qtbot, window)
    assert "Play" in panel.transport.play_button.text()
    qtbot.wait(300)
    assert step_of(window) == stopped_at, "paused means no more steps"
    click(qtbot, panel.transport.step_button)
    qtbot.waitUntil(lambda: step_of(window) == stopped_at + 1, timeout=LATER)
    wait_ready(qtbot, window)
    qtbot.wait(300)
    assert step_of(window) == stopped_at + 1
    assert f"step {stopped_at + 1:,}" in panel.transport.status.text()


def test_reset_restores_the_initial_loss_and_reseed_changes_it(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    click(qtbot, panel.transport.step_button)
    qtbot.waitUntil(lambda: step_of(window) == 1, timeout=FIRST)
    first_loss, first_val = panel.loss_at_start, panel.curves.val["val_loss"].y[0]
    play_until(qtbot, window, 200)
    pause(qtbot, window)
    assert panel.curves.val["val_loss"].y[-1] < first_val

    click(qtbot, panel.transport.reset_button)
    qtbot.waitUntil(lambda: "val_loss" in panel.curves.val, timeout=LATER)
    assert panel.curves.val["val_loss"].y[0] == first_val and len(panel.curves.train) == 0
    assert len(panel.curves.old_items) == 1, "the previous run stays as a faded curve"
    click(qtbot, panel.transport.step_button)
    qtbot.waitUntil(lambda: step_of(window) == 1, timeout=LATER)
    assert panel.loss_at_start == first_loss

    click(qtbot, panel.transport.reseed_button)
    qtbot.waitUntil(lambda: "val_loss" in panel.curves.val, timeout=LATER)
    assert panel.curves.val["val_loss"].y[0] != first_val
    click(qtbot, panel.curves.clear_button)
    assert panel.curves.old_items == []


def test_a_new_learning_rate_reaches_the_running_trainer_and_undo_takes_it_back(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    play_until(qtbot, window, 50)
    spin = panel.findChild(QDoubleSpinBox, "lrSpin")
    spin.selectAll()
    qtbot.keyClicks(spin, "0.001")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.training.last_progress.lr == 0.001, timeout=LATER)
    assert window.document.project.training.lr == 0.001 and window.isWindowModified()
    assert "lr 0.001" in panel.transport.status.text() and window.session.state == "running"
    assert not panel.transport.banner.isVisible(), "a learning rate does not need a restart"

    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.training.last_progress.lr == 0.05, timeout=LATER)
    assert spin.value() == 0.05 and panel.controls.settings.lr_slider.value() == panel.controls.settings.lr_position(
        0.05
    )
    pause(qtbot, window)


class Spy(QObject):
    """Every message the worker sent, as the GUI thread received it (before the stale ones are dropped)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def seen(self, message: object) -> None:
        self.messages.append(message)


def test_results_of_a_run_that_was_reset_are_ignored(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    spy = Spy()
    window.session.receiver.received.connect(spy.seen)
    play_until(qtbot, window, 100)
    old_run = window.session.run
    time.sleep(0.4)  # the GUI is busy: the worker's progress reports queue up
    panel.transport.reset_button.click()
    seen_before = len(spy.messages)
    qtbot.waitUntil(lambda: "val_loss" in panel.curves.val, timeout=LATER)
    qtbot.wait(200)
    stale = [m for m in spy.messages[seen_before:] if isinstance(m, Progress) and m.run == old_run]
    assert stale, "reports of the old run were still on their way"
    assert len(panel.curves.train) == 0 and panel.curves.val["val_loss"].x.tolist() == [0]
    assert window.session.state in ("ready", "loading")


def test_space_on_the_canvas_plays_and_pauses_and_stop_ends_the_run(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: step_of(window) > 10, timeout=FIRST)
    assert window.session.state == "running"
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    wait_ready(qtbot, window)

    click(qtbot, panel.transport.stop_button)
    assert window.session.state == "idle" and window.session.project is None
    click(qtbot, panel.transport.step_button)  # a fresh run from the project as it is now
    qtbot.waitUntil(lambda: step_of(window) == 1, timeout=LATER)
    assert len(panel.curves.old_items) == 1


def test_editing_the_network_pauses_and_restart_trains_the_new_one(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    play_until(qtbot, window, 50)
    click_block(qtbot, window, "linear_1")
    click(qtbot, window.inspector.findChild(QCheckBox, "param_bias"))
    assert window.document.graph.blocks["linear_1"].params["bias"] is False
    wait_ready(qtbot, window)
    assert panel.transport.banner.isVisible() and "the network" in panel.transport.banner_text.text()
    assert "bias" not in window.session.project.graph.blocks["linear_1"].params, "the run keeps its network"

    click(qtbot, panel.transport.restart_button)
    qtbot.waitUntil(lambda: panel.last_progress is not None, timeout=LATER)
    assert not panel.transport.banner.isVisible() and not panel.transport.message.isVisible()
    assert window.session.project.graph.blocks["linear_1"].params["bias"] is False
    play_until(qtbot, window, 20)
    pause(qtbot, window)

    window.document.undo_stack.undo()  # back to the network being trained: nothing to restart for
    window.document.undo_stack.redo()
    assert not panel.transport.banner.isVisible()


def test_a_network_that_cannot_train_says_why_in_the_panel(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    click_block(qtbot, window, "output_1")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    click(qtbot, panel.transport.play_button)
    qtbot.waitUntil(lambda: panel.transport.message.isVisible(), timeout=FIRST)
    assert "Output" in panel.transport.message.text() and window.session.state == "failed"
    assert "Play" in panel.transport.play_button.text()


def test_inside_views_follow_training(qtbot, spiral_window, tmp_path) -> None:
    window, panel = spiral_window, spiral_window.training
    click(qtbot, panel.controls.show_flow)
    click_block(qtbot, window, "linear_2")
    play_until(qtbot, window, 100)
    block = window.scene.blocks["linear_2"]
    qtbot.waitUntil(lambda: len(block.units) == 8, timeout=LATER)
    assert len(window.scene.blocks["linear_3"].units) == 1
    assert panel.controls.show_flow.isChecked()
    wires = [w for link, w in window.scene.wires.items() if link.src != "input_1"]
    qtbot.waitUntil(lambda: all(w.flow is not None for w in wires), timeout=LATER)
    assert max(w.flow for w in wires) == 1.0 and window.scene.wires[Link("input_1", 0, "linear_1", 0)].flow is None
    live = window.block_view
    qtbot.waitUntil(lambda: live.gradient_item.getData()[0] is not None, timeout=LATER)
    assert live.isVisible() and live.gradient_plot.isVisible() and live.norm_plot.isVisible()
    plane = panel.views.plane
    assert plane.isVisible() and plane.last_image is not None and plane.last_image.shape == (102, 102, 4)
    pause(qtbot, window)

    click(qtbot, panel.controls.show_flow)
    assert all(w.flow is None for w in window.scene.wires.values())
    window.view.save_picture(tmp_path / "net.png")
    window.view.save_picture(tmp_path / "net.svg")
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "net.svg").read_bytes()


def test_conv_blocks_show_feature_maps_and_the_output_a_confusion_matrix(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    panel, live = window.training, window.block_view
    click_block(qtbot, window, "conv2d_1")
    click(qtbot, panel.transport.step_button)
    qtbot.waitUntil(lambda: live.image_plot.isVisible(), timeout=FIRST)
    assert "Feature maps" in live.image_plot.getPlotItem().titleLabel.text
    assert live.example_row.isVisible() and not panel.views.plane.isVisible()
    assert live.filter_plot.isVisible() and np.asarray(live.filter_image.image).shape[:2] == (
        2 * 3 + 1,
        3 * 3 + 2,
    )  # 6 filters, 3 x 3, in 2 rows of 3
    click_block(qtbot, window, "output_1")
    qtbot.waitUntil(lambda: "Confusion" in live.image_plot.getPlotItem().titleLabel.text, timeout=LATER)
    assert np.asarray(live.image.image).shape[:2] == (10, 10)


def test_the_dataset_form_edits_the_project(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    qtbot.waitUntil(lambda: "noise" in panel.controls.settings.dataset_editors, timeout=FIRST)
    noise = panel.controls.settings.dataset_editors["noise"]
    noise.selectAll()
    qtbot.keyClicks(noise, "0.2")
    qtbot.keyClick(noise, Qt.Key.Key_Return)
    assert window.document.project.dataset.params["noise"] == 0.2
    combo = panel.controls.settings.dataset
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert window.document.project.dataset.id != "spiral"
    window.document.undo_stack.undo()
    assert window.document.project.dataset.id == "spiral" and panel.controls.settings.dataset.currentData() == "spiral"


def test_a_1d_regression_shows_its_fit_and_both_uncertainty_bands(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "uncertainty-regression.json")
    panel = window.training
    play_until(qtbot, window, 300)
    qtbot.waitUntil(lambda: panel.views.plane.last_curve is not None, timeout=LATER)
    pause(qtbot, window)
    plane = panel.views.plane
    assert plane.isVisible() and "Prediction" in plane.plot.getPlotItem().titleLabel.text
    curve = plane.last_curve
    xs, mean, std, noise = curve.xs, curve.mean, curve.epistemic, curve.noise
    model_x, model_y = plane.model_band.upper.getData()
    noise_x, noise_y = plane.noise_band.lower.getData()
    assert np.array_equal(model_x, xs) and np.allclose(model_y, mean + 2 * std) and len(plane.train_points.data) > 100
    assert np.array_equal(noise_x, xs) and np.allclose(noise_y, mean - 2 * noise) and (noise > 0).all()
    title = plane.plot.getPlotItem().titleLabel.text
    assert "model ±2σ" in title and "noise ±2σ" in title


def test_runs_compared_from_the_same_start_stay_labelled_in_the_loss_plot(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "optimizers", 100)
    optimizer = panel.controls.settings.training_editors["optimizer"]
    optimizer.setFocus()
    qtbot.keyClicks(optimizer, "adam")  # type-ahead in the combo box picks the optimiser
    assert window.document.project.training.optimizer == "adam"
    assert not panel.transport.banner.isVisible(), "the optimiser changes the running trainer at once"
    click(qtbot, panel.transport.reset_button)
    play_until(qtbot, window, 100)
    pause(qtbot, window)
    (old,) = panel.curves.old_items
    assert old.name() == "sgd lr 0.05"
    legend = panel.curves.loss_plot.getPlotItem().legend
    assert "sgd lr 0.05" in [label.text for _, label in legend.items]


def test_a_graph_network_shows_the_graph_coloured_by_its_predictions(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "gcn-karate", 150)
    view = panel.views.graph_view
    labels = view.layout_.labels
    # the snapshot taken at the pause is drawn a moment after it arrives
    qtbot.waitUntil(lambda: view.predicted is not None and (view.predicted == labels).mean() > 0.85, timeout=LATER)
    assert panel.views.isVisible() and view.isVisible() and not panel.views.plane.isVisible()
    assert len(view.nodes.data) == 34 and len(view.embedding.data) == 34


def test_a_forecaster_shows_its_forecasts_next_to_the_truth(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "rnn-sine", 200)
    view = panel.views.forecast_view
    qtbot.waitUntil(lambda: view.last is not None and view.isVisible(), timeout=LATER)
    windows, truth, predicted = view.last.windows, view.last.truth, view.last.predicted
    assert np.array_equal(view.windows[0].getData()[1], windows[0])
    assert view.truths[0].data["y"][0] == truth[0] and view.forecasts[0].data["y"][0] == predicted[0]
    assert panel.curves.metric_plot.getPlotItem().titleLabel.text == "MSE"


def test_a_segmentation_network_shows_predicted_masks(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "unet-shapes", 60)
    view = panel.views.masks_view
    qtbot.waitUntil(lambda: view.last is not None and view.isVisible(), timeout=LATER)
    assert np.asarray(view.image.image).shape[:2] == (3 * 16 + 4, 4 * 16 + 6)
    assert not panel.views.plane.isVisible() and not panel.views.forecast_view.isVisible()


def test_a_language_model_writes_into_the_text_panel_from_the_prompt_given(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "char-gpt.json")
    panel = window.training
    click(qtbot, panel.transport.step_button)
    view = panel.views.text_view
    qtbot.waitUntil(lambda: view.isVisible() and len(view.samples) >= 1, timeout=FIRST)
    prompt = view.findChild(QLineEdit, "samplePrompt")
    prompt.setFocus()
    qtbot.keyClicks(prompt, "JULIET:")
    qtbot.keyClick(prompt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.samples[0].prompt == "JULIET:", timeout=LATER)
    assert "JULIET:" in view.text.toPlainText() and len(view.samples[0].text) == 120


def test_an_autoencoder_shows_its_code_space_and_reconstructions(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "autoencoder-digits", 200)
    qtbot.waitUntil(
        lambda: panel.views.latent_view.last is not None and panel.views.recon_view.isVisible(), timeout=LATER
    )
    assert len(panel.views.latent_view.points.data) == len(panel.views.latent_view.last.codes)
    assert np.asarray(panel.views.recon_view.image.image).shape[:2] == (2 * 8 + 2, 4 * 8 + 6)
    assert not panel.views.masks_view.isVisible()


def test_play_pressed_again_before_the_pause_is_answered_plays(qtbot, spiral_window) -> None:
    window, panel = spiral_window, spiral_window.training
    play_until(qtbot, window, 50)
    panel.transport.play_button.click()  # pause ...
    panel.transport.play_button.click()  # ... and play again at once, before the worker has replied
    qtbot.wait(500)
    assert window.session.state == "running"
    before = step_of(window)
    qtbot.waitUntil(lambda: step_of(window) > before + 50, timeout=LATER)
    pause(qtbot, window)


def test_a_classifier_ending_in_softmax_says_its_loss_reads_the_logits(qtbot, window, tmp_path) -> None:
    from playground.core.project_write import save
    from tests.helpers import chain, project

    graph = chain(
        ("input_1", "input", {"shape": [2]}),
        ("linear_1", "linear", {"in_features": 2, "out_features": 8}),
        ("tanh_1", "tanh", {}),
        ("linear_2", "linear", {"in_features": 8, "out_features": 3}),
        ("softmax_1", "softmax", {}),
        ("output_1", "output", {}),
    )
    path = tmp_path / "slide.json"
    save(project(graph, "blobs-3", {"points": 300}), path)
    assert window.files.open_path(path)
    wait_ready(qtbot, window, FIRST)
    note = window.training.transport.loss_note
    qtbot.waitUntil(note.isVisible)
    assert "entering Softmax 'softmax_1' (the logits)" in note.text()
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    wait_ready(qtbot, window, FIRST)
    assert not note.isVisible()
