"""The weight matrix of the selected Linear block, beside the curves: a block clicked on the canvas,
its weights drawn as they are in the training process."""

from __future__ import annotations

import numpy as np

from playground.ui.plots.colors import diverging
from tests.ui.conftest import PRESETS, click_block
from tests.ui.test_training import LATER, pause, play_until


def test_a_linear_block_clicked_shows_its_weights_as_a_matrix(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    view = window.training.views.matrix_view
    click_block(qtbot, window, "linear_2")
    play_until(qtbot, window, 50)
    pause(qtbot, window)
    qtbot.waitUntil(lambda: view.isVisible() and view.last is not None, timeout=LATER)
    matrix = view.last
    assert matrix.title == "linear_2.weight" and matrix.size == (8, 8) and matrix.values.shape == (8, 8)
    neurons = window.training.views.neuron_view  # its lines are drawn from the same weights, sent apart
    qtbot.waitUntil(lambda: np.array_equal(view.last.values, neurons.weights["linear_2"]), timeout=LATER)
    assert np.array_equal(np.asarray(view.image.image), diverging(view.last.values)), "drawn as sent"
    assert "linear_2.weight: 8 units × 8 inputs" in view.plot.getPlotItem().titleLabel.text

    click_block(qtbot, window, "linear_3")  # another Linear: its matrix, one row per output
    qtbot.waitUntil(lambda: view.last.title == "linear_3.weight", timeout=LATER)
    assert view.last.values.shape == (1, 8)
