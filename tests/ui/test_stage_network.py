"""Presentation mode's network: every top-level block a card whose title is drawn at least as large as
presentation's smallest text, cards that do not overlap and fit the strip, wires between them, and a
click on a card that selects its block as a click on the canvas does."""

from __future__ import annotations

import itertools
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from playground.core.layout import flow_columns, snake
from playground.core.project import load
from playground.ui.theme import set_ui_scale, smallest_text_px
from tests.ui.conftest import PRESETS
from tests.ui.test_fields_and_keys import run_block_menu


@pytest.fixture(autouse=True)
def scale_one(qapp):
    yield
    set_ui_scale(1.0)


def test_flow_columns_follow_the_data_and_the_snake_fits_its_box() -> None:
    graph = load(PRESETS / "gan-2d.json").graph
    columns = flow_columns(graph)
    assert [len(c) for c in columns] == [2] * 7  # generator and discriminator side by side
    assert {graph.blocks[c].type for c in columns[0]} == {"input"}
    line = snake([1] * 14, (150, 60), 10, (1280, 170))
    assert (line.rows, line.per_row) == (2, 7)  # 14 cards in one line would be drawn too small
    assert [line.slot(c) for c in (0, 6, 7, 13)] == [(0, 0), (0, 6), (1, 6), (1, 0)]  # the second line turns back


@pytest.mark.parametrize("preset", ["mlp-spiral", "lenet-mnist", "diffusion-2d", "char-gpt", "resnet-digits"])
def test_presentation_draws_every_block_large_and_a_click_selects_it(qtbot, window, preset) -> None:
    assert window.files.open_path(PRESETS / f"{preset}.json")
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    stage = window.stage_network
    qtbot.waitUntil(lambda: stage.isVisible() and bool(stage.rects))
    qtbot.wait(50)
    root = window.document.root
    assert set(stage.rects) == set(root.blocks)  # a group is one card: char-gpt's layers, resnet's stages
    assert stage.title_px() >= smallest_text_px(stage.screen().geometry().height())
    area = stage.rect()
    for rect in stage.rects.values():
        assert area.contains(rect.toAlignedRect())
    for a, b in itertools.combinations(stage.rects.values(), 2):
        assert not a.intersects(b)
    picked = next(b.id for b in root.blocks.values() if b.type not in ("input", "output"))
    qtbot.mouseClick(stage, Qt.MouseButton.LeftButton, pos=stage.rects[picked].center().toPoint())
    assert window.scene.selected_block_ids() == [picked] and stage.selected == {picked}
    assert window.block_view.block == picked  # the block's live view follows it
    qtbot.keyClick(stage, Qt.Key.Key_Escape)
    assert window.view.isVisible() and window.scene.selected_block_ids() == [picked]


def test_a_view_alone_fills_the_views_area_in_presentation(qtbot, window) -> None:
    """gan-2d's generated points were drawn in three fifths of their pane (an empty column took the rest)."""
    assert window.files.open_path(PRESETS / "gan-2d.json")
    views = window.training.views
    qtbot.waitUntil(views.samples_view.isVisible, timeout=60_000)
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: views.samples_view.width() >= views.width() - 2)
    assert not views.neuron_view.isVisible() and views.samples_view.height() >= views.height() - 2


def test_a_lecture_presents_the_block_it_follows_beside_the_curves(qtbot, window) -> None:
    """lenet-digits follows conv2d_1: presentation shows the example with its prediction, the feature
    maps and the filters (they were shown only in the inspector, which presentation hides)."""
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    qtbot.waitUntil(lambda: window.session.state == "ready", timeout=60_000)
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    lecture = window.training.views.lecture_view
    qtbot.waitUntil(lecture.isVisible, timeout=30_000)
    assert window.stage_network.selected == {"conv2d_1"}
    titles = lecture.titles()
    assert titles[1:] == ["Feature maps", "Filters"] and titles[0].startswith("Predicted ")
    assert "conv2d_1" in lecture.caption.text() and window.training.curves.isVisible()
    stage = window.stage_network
    qtbot.mouseClick(stage, Qt.MouseButton.LeftButton, pos=stage.rects["linear_1"].center().toPoint())
    qtbot.waitUntil(lambda: not lecture.isVisible(), timeout=30_000)  # a Linear block has no pictures
    qtbot.keyClick(stage, Qt.Key.Key_Escape)
    assert not lecture.isVisible()  # the inspector shows the block again


def test_follow_in_presentation_sets_the_stage_undoably_and_it_is_saved(qtbot, window, tmp_path) -> None:
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    run_block_menu(qtbot, window, "linear_2", "Follow in Presentation")
    assert window.document.project.stage.follow == "linear_2"
    path = tmp_path / "m.json"
    window.document.save(path)
    assert json.loads(path.read_text())["stage"] == {"views": ["curves", "data", "block"], "follow": "linear_2"}
    window.document.undo_stack.undo()
    assert window.document.project.stage.follow == ""
    window.document.undo_stack.redo()
    run_block_menu(qtbot, window, "linear_2", "Follow in Presentation")  # checked: unfollows
    assert window.document.project.stage.follow == ""


def test_a_stage_without_curves_gives_the_views_their_room(qtbot, window, tmp_path) -> None:
    doc = json.loads((PRESETS / "gan-2d.json").read_text())
    doc["stage"] = {"views": ["data"]}
    path = tmp_path / "gan.json"
    path.write_text(json.dumps(doc))
    assert window.files.open_path(path)
    views = window.training.views
    qtbot.waitUntil(views.samples_view.isVisible, timeout=60_000)
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    assert not window.training.curves.isVisible()
    qtbot.keyClick(window.stage_network, Qt.Key.Key_Escape)
    assert window.training.curves.isVisible()


def test_a_followed_block_renamed_is_still_followed_and_undo_brings_both_back(qtbot, window, monkeypatch) -> None:
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("first_conv", True))
    run_block_menu(qtbot, window, "conv2d_1", "Rename…")
    document = window.document
    assert "first_conv" in document.root.blocks and document.project.stage.follow == "first_conv"
    document.undo_stack.undo()
    assert "conv2d_1" in document.root.blocks and document.project.stage.follow == "conv2d_1"


def test_on_a_720_line_screen_the_curves_legends_stay_inside_their_plots(qtbot, window) -> None:
    """Two legend rows over the short accuracy plot cut off its first entry and covered the curves."""
    window.resize(1280, 720)
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    curves = window.training.curves
    qtbot.waitUntil(lambda: curves.metric_plot.getPlotItem().legend.items != [], timeout=60_000)
    qtbot.wait(100)
    for plot in (curves.loss_plot, curves.metric_plot):
        item = plot.getPlotItem()
        legend = item.legend.mapRectToScene(item.legend.boundingRect())
        assert item.vb.sceneBoundingRect().contains(legend), plot.objectName()


def test_each_row_of_a_gan_says_what_it_reads_and_gives(qtbot, window) -> None:
    """gan-2d's two rows both read "Input → … → Output": which one was the generator was not said."""
    assert window.files.open_path(PRESETS / "gan-2d.json")
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    stage = window.stage_network
    qtbot.waitUntil(lambda: stage.isVisible() and bool(stage.rects))
    titles = {card.block_id: card.title for column in stage.columns for card in column}
    assert [titles[b] for b in ("noise_1", "generated_1", "real_1", "real_or_fake_1")] == [
        "noise",
        "generated",
        "real",
        "real or fake",
    ]
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    titles = {card.block_id: card.title for column in stage.columns for card in column}
    assert (titles["input_1"], titles["output_1"]) == ("Input", "Output")  # a default id says no more than its type
    qtbot.keyClick(stage, Qt.Key.Key_Escape)
