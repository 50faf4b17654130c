"""The live views' one seam (runtime/live_views.py): every view registered once with its id and payload
type is made by the worker (nn/live/views.py) and shown by a widget of the window (ui/plots/data_views.py),
and the widgets share one lifecycle: shown with a payload, cleared and hidden when withdrawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from playground.core.project import load
from playground.nn.live.views import VIEWS, Look, make_all
from playground.nn.probes import Probe
from playground.nn.trainer import Trainer
from playground.runtime.live_views import KINDS, WEIGHTS
from playground.runtime.messages import Matrix, Snapshot, Withdrawn
from playground.ui.plots.data_views import DataViews
from playground.ui.theme import LIGHT
from tests.core.test_project import PRESETS


def test_every_registered_view_has_its_worker_view_and_its_widget(qtbot) -> None:
    assert {view.kind for view in VIEWS.values()} == set(KINDS.values())
    assert all(VIEWS[kind_id].kind is kind for kind_id, kind in KINDS.items())
    views = DataViews(LIGHT)
    qtbot.addWidget(views)
    assert set(views.widgets) == set(KINDS.values())
    widgets = list(views.widgets.values())
    assert all(isinstance(widget, QWidget) for widget in widgets)
    assert len({id(widget) for widget in widgets}) == len(widgets)  # a widget each (four are ImagesViews)
    for view in views.snapshot_views.values():  # one lifecycle
        assert callable(view.show_payload) and callable(view.clear) and callable(view.set_theme)


def _look(trainer: Trainer, focus: str | None) -> Look:
    probe = Probe(trainer.compiled)
    inputs = trainer.task.probe_inputs(8)
    inspection = probe.inspect(inputs, lambda out: trainer.task.probe_loss(out, 8), at=trainer.task.scores_node)
    return Look(trainer, probe, inspection, inputs, None, None, focus)


def test_the_weights_view_withdraws_its_matrix_when_no_linear_is_selected(qtbot) -> None:
    trainer = Trainer(load(PRESETS / "lenet-digits.json"), device="cpu")
    linear = next(name for name, module in trainer.model.named_children() if type(module).__name__ == "Linear")
    made = make_all((WEIGHTS.id,), _look(trainer, linear))
    matrix = WEIGHTS.payload_in(made)
    assert isinstance(matrix, Matrix) and matrix.values.shape[0] > 0
    views = DataViews(LIGHT)
    qtbot.addWidget(views)
    views.show()
    views.show_snapshot(Snapshot(1, 1, {}, {}, views=made))
    shown = views.widgets[WEIGHTS]
    assert shown.isVisible() and views.matrix_view.last is matrix
    withdrawn = make_all((WEIGHTS.id,), _look(trainer, None))  # the selection went elsewhere
    assert isinstance(withdrawn[WEIGHTS.id], Withdrawn)
    views.show_snapshot(Snapshot(1, 2, {}, {}, views=withdrawn))
    assert not shown.isVisible() and views.matrix_view.last is None
    assert views.matrix_view.image.image is None  # cleared, not only hidden
    assert not views.isVisible()  # nothing else to show: the pane gives the curves its width back


def test_a_payload_of_another_type_than_its_kind_is_refused_on_both_sides() -> None:
    with pytest.raises(TypeError, match="weights"):
        WEIGHTS.payload_in({"weights": np.zeros(3)})
    trainer = Trainer(load(PRESETS / "lenet-digits.json"), device="cpu")

    class Wrong(type(VIEWS[WEIGHTS.id])):  # a view that makes what its kind does not carry
        def make(self, look: Look) -> object:
            return np.zeros(3)

    original = VIEWS[WEIGHTS.id]
    VIEWS[WEIGHTS.id] = Wrong()
    try:
        with pytest.raises(TypeError, match="made a ndarray, not its Matrix"):
            make_all((WEIGHTS.id,), _look(trainer, None))
    finally:
        VIEWS[WEIGHTS.id] = original
