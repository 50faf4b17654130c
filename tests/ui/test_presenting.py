"""Presenting in class: F5 and F11 with Esc to leave, the UI scale (measured on the widgets' fonts), the
neuron view and its hover, the smooth output plane and its toggles."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from playground.ui.main_window import MainWindow
from playground.ui.plots.colors import diverging
from playground.ui.presenting import presentation_scale
from playground.ui.theme import set_ui_scale, smallest_text_px, ui_scale
from tests.ui.conftest import LEFT, PRESETS, drag, mouse
from tests.ui.test_training import FIRST, LATER, pause, play_until

RIGHT = Qt.MouseButton.RightButton
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def scale_one():
    yield
    set_ui_scale(1.0)  # the scale is the application's: the next test starts at 100 %


def dock(window: MainWindow, name: str) -> QDockWidget:
    return window.findChild(QDockWidget, name)


def px(widget: QWidget) -> int:
    return QFontInfo(widget.font()).pixelSize()


def label_px(label) -> float:
    """A pyqtgraph label's text size in pixels (its size is set in points, in its HTML)."""
    return float(str(label.opts["size"]).removesuffix("pt")) * QApplication.primaryScreen().logicalDotsPerInchY() / 72


def smallest_text(window: MainWindow) -> int:
    """The smallest font in pixels of every visible widget and of every visible plot's title, axes and legend."""
    sizes = [px(w) for w in window.findChildren(QWidget) if w.isVisible() and w.window() is window]
    for plot in window.findChildren(QWidget):
        item = plot.getPlotItem() if hasattr(plot, "getPlotItem") and plot.isVisible() else None
        if item is None:
            continue
        sizes += [QFontInfo(item.getAxis(a).style["tickFont"]).pixelSize() for a in ("left", "bottom")]
        if item.titleLabel.text:
            sizes.append(label_px(item.titleLabel))
        if item.legend is not None:
            sizes += [label_px(label) for _, label in item.legend.items]
    return min(sizes)


def test_f5_presents_f11_fills_the_screen_and_esc_leaves_both(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    presenter = window.presenter
    assert presenter.presenting and window.isFullScreen() and presenter.act_presentation.isChecked()
    assert not dock(window, "paletteDock").isVisible() and not dock(window, "inspectorDock").isVisible()
    assert not window.toolbar.isVisible() and dock(window, "trainingDock").isVisible()
    assert ui_scale() == pytest.approx(presentation_scale(window.screen().geometry().height()), abs=0.01)
    settings = window.training.controls.settings
    assert not settings.dataset.isVisible() and settings.training_editors["batch_size"].isVisible()
    assert not settings.training_editors["seed"].isVisible()  # not a knob a running training takes
    stage = window.stage_network
    assert stage.isVisible() and not window.view.isVisible() and stage.hasFocus()  # the network, as cards
    qtbot.keyClick(stage, Qt.Key.Key_N, CTRL_SHIFT)
    assert dock(window, "notesDock").isVisible()  # the lecture notes, toggled
    qtbot.keyClick(stage, Qt.Key.Key_Escape)
    assert not presenter.presenting and not window.isFullScreen() and ui_scale() == 1.0
    assert dock(window, "paletteDock").isVisible() and dock(window, "inspectorDock").isVisible()
    assert window.toolbar.isVisible() and settings.training_editors["seed"].isVisible()
    assert window.view.isVisible() and window.view.hasFocus() and not stage.isVisible()

    qtbot.keyClick(window.view, Qt.Key.Key_F11)
    assert window.isFullScreen() and not presenter.presenting and presenter.act_full_screen.isChecked()
    qtbot.keyClick(window.view, Qt.Key.Key_F11)
    assert not window.isFullScreen()
    qtbot.keyClick(window.view, Qt.Key.Key_F11)
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not window.isFullScreen() and not presenter.act_full_screen.isChecked()


def test_esc_brings_the_canvas_back_to_its_zoom_and_place_and_every_dock_to_its_size(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    qtbot.wait(100)  # fitted once shown
    view = window.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)  # zoomed in on a corner
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().minimum())
    zoom, centre = view.zoom(), view.mapToScene(view.viewport().rect().center())
    docks = {name: dock(window, name).size() for name in ("paletteDock", "inspectorDock", "trainingDock")}
    qtbot.keyClick(view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: view.zoom() != zoom)  # the UI scale zooms the canvas too
    qtbot.keyClick(window.stage_network, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: abs(view.zoom() - zoom) < 1e-6)
    qtbot.wait(50)
    back_zoom, back_centre = view.zoom(), view.mapToScene(view.viewport().rect().center())
    assert back_zoom == pytest.approx(zoom)
    assert abs(back_centre.x() - centre.x()) < 2 and abs(back_centre.y() - centre.y()) < 2
    assert {name: dock(window, name).size() for name in docks} == docks


def test_larger_and_smaller_scale_the_panel_plot_and_canvas_text_and_are_remembered(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    play = window.training.transport.play_button
    title = window.training.curves.loss_plot.getPlotItem().titleLabel
    notes = window.notes.editor
    before = (px(play), label_px(title), px(notes), window.view.zoom())
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Equal, CTRL_SHIFT)
    qtbot.keyClick(window.view, Qt.Key.Key_Plus, CTRL_SHIFT)  # what a keyboard sends for Ctrl+Shift+=
    assert ui_scale() == 1.5
    after = (px(play), label_px(title), px(notes), window.view.zoom())
    for old, new in zip(before, after, strict=True):
        assert new == pytest.approx(1.5 * old, rel=0.12)  # fonts are whole pixels
    qtbot.keyClick(window.view, Qt.Key.Key_Underscore, CTRL_SHIFT)  # ... for Ctrl+Shift+-
    assert ui_scale() == 1.25
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert ui_scale() == 1.25 and again.view.ui_scale == 1.25  # remembered in the settings
    for _ in range(8):
        again.presenter.act_smaller.trigger()
    assert ui_scale() == 1.0 and not again.presenter.act_smaller.isEnabled()


@pytest.mark.parametrize("height", [720, 1080])
def test_presentation_text_is_large_enough_for_the_back_row(qtbot, window, height) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    window.presenter.present()
    window.presenter.set_scale(presentation_scale(height), remember=False)  # as on a screen of that height
    qtbot.wait(50)
    assert smallest_text(window) >= smallest_text_px(height) - 0.5
    window.presenter.leave()


def test_the_neuron_view_draws_each_unit_and_hovering_one_shows_it_on_the_plane(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    play_until(qtbot, window, 60)
    neurons = window.training.views.neuron_view
    qtbot.waitUntil(lambda: neurons.isVisible() and len(neurons.boxes) == 2 + 8 + 8 + 1, timeout=LATER)
    pause(qtbot, window)
    assert [layer.block for layer in neurons.layers] == ["input_1", "tanh_1", "tanh_2", "output_1"]
    assert [layer.weights for layer in neurons.layers] == [None, "linear_1", "linear_2", "linear_3"]
    plane = window.training.views.plane
    rect = next(box[0] for box in neurons.boxes if box[1:] == ("tanh_2", 3))
    qtbot.mouseMove(neurons, rect.center().toPoint())
    qtbot.waitUntil(lambda: plane.unit == ("tanh_2", 3))
    look = plane.last_look  # the last one the paused run sent may have come after the pause
    assert np.array_equal(plane.last_image, diverging(look.units["tanh_2"][3]))
    low, high = look.units["tanh_2"][3].min(), look.units["tanh_2"][3].max()
    assert f"from {low:.3g} to {high:.3g}" in plane.plot.toolTip()
    qtbot.mouseMove(neurons, QPoint(2, 2))
    qtbot.waitUntil(lambda: plane.unit is None)
    assert plane.last_image.shape == (102, 102, 4)  # the network's output again, on the fine grid


def test_hovering_a_unit_heatmap_on_the_canvas_shows_it_on_the_plane(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    play_until(qtbot, window, 60)
    item = window.scene.blocks["tanh_1"]
    qtbot.waitUntil(lambda: len(item.units) == 8, timeout=LATER)
    pause(qtbot, window)
    plane = window.training.views.plane
    window.view.centerOn(item)
    inside = item.mapToScene(13 + 2 * 20 + 9, item.base_height + 9)  # the third unit's heatmap
    qtbot.mouseMove(window.view.viewport(), window.view.mapFromScene(inside))
    qtbot.waitUntil(lambda: plane.unit == ("tanh_1", 2))
    assert np.array_equal(plane.last_image, diverging(plane.last_look.units["tanh_1"][2]))


def test_discretize_and_show_test_data_toggles(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    play_until(qtbot, window, 60)
    plane = window.training.views.plane
    qtbot.waitUntil(lambda: plane.last_image is not None, timeout=FIRST)
    pause(qtbot, window)
    smooth = plane.last_image.copy()
    qtbot.mouseClick(plane.discretize, Qt.MouseButton.LeftButton)
    discrete = plane.last_image
    assert plane.discretize.isChecked() and len(np.unique(discrete.reshape(-1, 4), axis=0)) == 2
    assert len(np.unique(smooth.reshape(-1, 4), axis=0)) > 10  # shades of confidence
    assert plane.val_points.isVisible()
    qtbot.mouseClick(plane.show_test, Qt.MouseButton.LeftButton)
    assert not plane.val_points.isVisible() and plane.train_points.isVisible()


def plane_point(plane, x: float, y: float) -> QPoint:
    view = plane.plot.getPlotItem().getViewBox()
    return plane.plot.mapFromScene(view.mapViewToScene(QPointF(x, y)))


def test_points_drawn_on_the_plane_are_the_dataset_and_train(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    panel = window.training
    combo = panel.controls.settings.dataset
    qtbot.waitUntil(lambda: combo.findData("drawn") >= 0, timeout=FIRST)
    combo.setCurrentIndex(combo.findData("drawn"))
    plane = panel.views.plane
    qtbot.waitUntil(lambda: plane.drawing.bar.isVisible() and plane.isVisible())
    viewport = plane.plot.viewport()
    assert plane.drawing.area.isVisible()  # the dashed square where points can be drawn
    outside = plane_point(plane, 1.55, 0.0)
    mouse(viewport, QEvent.Type.MouseButtonPress, outside, LEFT, LEFT)
    mouse(viewport, QEvent.Type.MouseButtonRelease, outside, LEFT, Qt.MouseButton.NoButton)
    assert window.document.project.dataset.params.get("points", []) == []
    assert "outside the dashed square" in plane.drawing.hint.text()  # said, not silently dropped
    klass = plane.drawing.klass
    for label, spots in ((0, [(-0.8, -0.8), (-0.6, -0.7), (-0.7, -0.5)]), (1, [(0.8, 0.7), (0.6, 0.8)])):
        klass.setCurrentIndex(label)
        for x, y in spots:
            where = plane_point(plane, x, y)
            mouse(viewport, QEvent.Type.MouseButtonPress, where, LEFT, LEFT)
            mouse(viewport, QEvent.Type.MouseButtonRelease, where, LEFT, Qt.MouseButton.NoButton)
    drag(viewport, plane_point(plane, 0.2, 0.6), plane_point(plane, 0.9, 0.6))  # a stroke: one edit, many points
    points = window.document.project.dataset.params["points"]
    assert [p[2] for p in points[:5]] == [0, 0, 0, 1, 1] and len(points) >= 8
    assert points[0][:2] == pytest.approx([-0.8, -0.8], abs=0.02)
    assert all(p[2] == 1 and p[1] == pytest.approx(0.6, abs=0.02) for p in points[5:])
    mouse(viewport, QEvent.Type.MouseButtonPress, plane_point(plane, -0.6, -0.7), RIGHT, RIGHT)  # remove one
    assert len(window.document.project.dataset.params["points"]) == len(points) - 1
    window.document.undo_stack.undo()
    assert window.document.project.dataset.params["points"] == points
    qtbot.waitUntil(lambda: window.session.state == "ready", timeout=FIRST)
    play_until(qtbot, window, 20)  # the drawing trains like a generated set
    pause(qtbot, window)
    assert window.session.project.dataset.params["points"] == points
    qtbot.mouseClick(plane.drawing.clear_button, LEFT)
    assert window.document.project.dataset.params["points"] == []


def test_a_double_clicked_view_fills_the_views_area_and_esc_brings_the_others_back(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    panel = window.training
    plane = panel.views.plane
    qtbot.waitUntil(plane.isVisible, timeout=FIRST)
    qtbot.waitUntil(lambda: plane.width() >= 100)  # laid out beside the curves (a busy machine lays out later)
    loss, metric = panel.curves.loss_plot, panel.curves.metric_plot
    width = loss.width()
    qtbot.mouseDClick(loss.viewport(), Qt.MouseButton.LeftButton)
    assert loss.isVisible() and not metric.isVisible() and not plane.isVisible() and not panel.left.isVisible()
    qtbot.waitUntil(lambda: loss.width() > 1.5 * width)  # it fills the area
    qtbot.mouseDClick(plane.plot.viewport(), Qt.MouseButton.LeftButton)  # hidden: nothing happens
    qtbot.mouseDClick(loss.viewport(), Qt.MouseButton.LeftButton)
    assert metric.isVisible() and plane.isVisible() and panel.left.isVisible()
    qtbot.waitUntil(lambda: loss.width() < 1.2 * width)  # back among the others (the splitter may round)
    qtbot.mouseDClick(plane.plot.viewport(), Qt.MouseButton.LeftButton)
    assert plane.isVisible() and plane.toggles.isVisible() and not loss.isVisible()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert loss.isVisible() and plane.isVisible() and panel.left.isVisible()


def test_the_window_comes_back_maximised_and_within_the_screen(qtbot, window) -> None:
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(again.isMaximized)
    again.showNormal()
    room = again.screen().availableGeometry()
    assert again.width() <= room.width() and again.height() <= room.height()


def test_every_listed_shortcut_is_one_actions_and_the_lecture_notes_are_listed(qtbot, window) -> None:
    from playground.ui.help import shortcut_rows

    owners: dict[str, str] = {}
    for action in window.actions():
        for key in action.shortcuts():
            text = key.toString()
            assert text not in owners, f"{text}: both {owners[text]} and {action.text()}"
            owners[text] = action.text()
    assert "Ctrl++" not in owners  # a keyboard's Ctrl+Shift+= is Ctrl++: Larger's alone
    rows = dict(shortcut_rows(window.actions()))
    assert any("Lecture notes" in what for what in rows), rows
    notes = window.findChild(QDockWidget, "notesDock")
    shown = notes.isVisible()
    qtbot.keyClick(window.view, Qt.Key.Key_N, CTRL_SHIFT)
    assert notes.isVisible() != shown
