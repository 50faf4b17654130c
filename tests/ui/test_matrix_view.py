"""The weight matrix of the selected Linear block, beside the curves: a block clicked on the canvas,
its weights drawn as the training process holds them."""

from __future__ import annotations

import numpy as np

from playground.ui.plots.colors import diverging
from tests.ui.conftest import PRESETS, click_block
from tests.ui.test_training import LATER, click


def test_a_linear_block_clicked_shows_its_weights_as_a_matrix(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    view = window.training.views.matrix_view
    click_block(qtbot, window, "linear_2")
    click(qtbot, window.training.transport.step_button)
    qtbot.waitUntil(lambda: view.isVisible() and view.last is not None, timeout=LATER)
    qtbot.waitUntil(lambda: window.live.last is not None and "weights" in window.live.last.views, timeout=LATER)
    snapshot = window.live.last
    matrix, stats = snapshot.views["weights"], snapshot.detail.weights["weight"]
    assert matrix.title == "linear_2 weights" and matrix.size == (10, 32) and matrix.values.shape == (10, 32)
    assert np.isclose(matrix.values.mean(), stats.mean, atol=1e-6), "the weights the inspector's histogram has"
    qtbot.waitUntil(lambda: view.last is matrix)
    assert np.array_equal(np.asarray(view.image.image), diverging(matrix.values)), "drawn as sent"
    labels = view.plot.getPlotItem()
    assert "unit (10)" in labels.getAxis("left").labelText and "input (32)" in labels.getAxis("bottom").labelText


def test_a_network_of_two_inputs_shows_its_weights_as_the_neurons_lines_instead(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    click_block(qtbot, window, "linear_2")
    click(qtbot, window.training.transport.step_button)
    qtbot.waitUntil(lambda: window.training.views.neuron_view.isVisible(), timeout=LATER)
    assert not window.training.views.matrix_view.isVisible()
