"""The preset gallery and the lecture-notes panel, driven with the mouse and keyboard."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from playground.ui.gallery import LECTURE_ROLE, Gallery
from tests.ui.conftest import PRESETS

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


def open_gallery(qtbot, window) -> Gallery:
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL | Qt.KeyboardModifier.ShiftModifier)
    gallery = window.findChild(Gallery)
    qtbot.waitExposed(gallery)
    return gallery


def test_the_gallery_lists_every_preset_by_lecture_and_opens_one(qtbot, window) -> None:
    gallery = open_gallery(qtbot, window)
    cards = gallery.cards
    lectures = [json.loads(p.read_text())["lecture"] for p in PRESETS.glob("*.json")]
    assignments = sorted(p.name for p in PRESETS.glob("assignments/*.json"))
    assert cards.count() == len(lectures) + len(assignments) and len(assignments) == 2
    shown = [cards.item(i).data(LECTURE_ROLE) for i in range(cards.count())]
    assert shown[: len(lectures)] == sorted(lectures)  # the lectures in order, then the assignments
    assert cards.item(len(lectures)).text().startswith("Assignment: the spiral in 200 parameters (lecture 2)")
    assert all(not cards.item(i).icon().isNull() for i in range(cards.count()))

    target = next(i for i in range(cards.count()) if "XOR needs a hidden layer" in cards.item(i).text())
    point = cards.visualItemRect(cards.item(target)).center()
    qtbot.mouseClick(cards.viewport(), LEFT, pos=point)
    assert "2-4-1 tanh" in gallery.description.text()
    qtbot.mouseDClick(cards.viewport(), LEFT, pos=point)
    qtbot.waitUntil(lambda: window.document.preset is not None and window.document.preset.name == "mlp-xor.json")
    assert set(window.scene.blocks) == {"input_1", "linear_1", "tanh_1", "linear_2", "output_1"}
    assert window.notes.heading.text() == "Lecture 2 · XOR needs a hidden layer"
    assert "no straight line" in window.notes.editor.toPlainText()
    assert not window.notes.visibleRegion().isEmpty(), "the lecture notes are turned to"


def test_notes_are_edited_undone_and_saved_with_the_project(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    editor = window.notes.editor
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "Ask: what happens with 2 hidden units?")
    qtbot.waitUntil(lambda: window.document.project.notes.endswith("2 hidden units?"), timeout=3000)
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.document.project.notes.endswith("units?") and not editor.toPlainText().endswith("units?")
    window.document.undo_stack.redo()
    assert editor.toPlainText().endswith("2 hidden units?")
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert json.loads(spiral.read_text())["notes"].endswith("2 hidden units?")


def test_typing_then_saving_at_once_keeps_the_last_words(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    editor = window.notes.editor
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor, " Last words.")
    assert window.files.save()  # before the typing pause has committed the text
    assert json.loads(spiral.read_text())["notes"].endswith("Last words.")


def test_an_unreadable_preset_is_named_and_left_out(qtbot, window, tmp_path) -> None:
    (tmp_path / "good.json").write_text((PRESETS / "mlp-xor.json").read_text())
    (tmp_path / "broken.json").write_text('{"format": "playground-project", "format_version": 1, "graph": ')
    gallery = Gallery(tmp_path, window.theme, window)
    qtbot.addWidget(gallery)
    assert gallery.cards.count() == 1
    (problem,) = gallery.problems
    assert "broken.json" in problem


def test_the_gallery_search_keeps_the_matching_cards(qtbot, window) -> None:
    gallery = open_gallery(qtbot, window)
    cards = gallery.cards
    qtbot.keyClicks(gallery.search, "lecture 12")
    shown = [cards.item(i).text() for i in range(cards.count()) if not cards.isRowHidden(i)]
    assert shown and all(text.startswith("Lecture 12:") for text in shown)
    assert cards.currentItem().text() in shown
    gallery.search.clear()
    qtbot.keyClicks(gallery.search, "spiral")
    shown = [cards.item(i).text() for i in range(cards.count()) if not cards.isRowHidden(i)]
    assert len(shown) == 2 and shown[0].startswith("Lecture 2: MLP on the spiral")
    assert shown[1].startswith("Assignment: the spiral in 200 parameters")
    qtbot.keyClick(gallery.search, Qt.Key.Key_Return)  # the first card shown
    qtbot.waitUntil(lambda: window.document.preset is not None and window.document.preset.name == "mlp-spiral.json")


def test_a_preset_id_typed_in_the_search_shows_it_and_return_opens_only_what_is_shown(qtbot, window) -> None:
    gallery = open_gallery(qtbot, window)
    cards = gallery.cards
    qtbot.keyClicks(gallery.search, "lenet-digits")
    shown = [cards.item(i) for i in range(cards.count()) if not cards.isRowHidden(i)]
    assert [Path(item.data(Qt.ItemDataRole.UserRole)).name for item in shown] == ["lenet-digits.json"]
    gallery.search.clear()
    qtbot.keyClicks(gallery.search, "no such lecture")
    assert all(cards.isRowHidden(i) for i in range(cards.count())) and cards.currentItem() is None
    assert "No preset matches" in gallery.description.text()
    qtbot.keyClick(gallery.search, Qt.Key.Key_Return)  # nothing shown: nothing opens
    assert gallery.isVisible() and gallery.chosen is None
    gallery.search.clear()
    qtbot.keyClicks(gallery.search, "lenet-digits")
    qtbot.keyClick(gallery.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.document.preset is not None and window.document.preset.name == "lenet-digits.json")


def test_thumbnails_name_the_blocks_legibly(qtbot, window) -> None:
    from playground.core.project import load
    from playground.ui.gallery import fit_chips

    project = load(PRESETS / "lenet-digits.json")
    titles = [b.type for b in project.graph.blocks.values()]
    _size, rects = fit_chips(titles, gallery_room())
    assert len(rects) == len(titles) and all(rect.height() >= 14 * 1.7 for rect in rects)


def gallery_room():
    from PySide6.QtCore import QRectF

    from playground.ui.gallery import CHIP_MARGIN, THUMBNAIL

    return QRectF(0, 0, THUMBNAIL.width() * 2, THUMBNAIL.height() * 2).adjusted(
        CHIP_MARGIN, CHIP_MARGIN, -CHIP_MARGIN, -CHIP_MARGIN
    )


def test_help_lists_every_shortcut_and_about_names_the_versions(qtbot, window) -> None:
    from playground.ui.help import TextWindow

    qtbot.keyClick(window, Qt.Key.Key_F1)
    shortcuts = window.findChild(TextWindow, "shortcutsWindow")
    qtbot.waitExposed(shortcuts)
    text = shortcuts.text.document().toMarkdown()  # the table, one row a line
    for what, keys in (
        ("Play/Pause", "Space"),
        ("Save", "Ctrl+S"),
        ("Open Preset", "Ctrl+Shift+O"),
        ("Undo", "Ctrl+Z"),
    ):
        assert any(what in line and keys in line for line in text.splitlines()), (what, keys)
    shortcuts.close()
    window.act_about.trigger()
    about = window.findChild(TextWindow, "aboutWindow")
    assert "PyTorch 2." in about.text.toPlainText() and "Qt 6." in about.text.toPlainText()
    window.act_started.trigger()
    assert "Open a lecture example" in window.findChild(TextWindow, "gettingStarted").text.toPlainText()
    window.act_docs.trigger()
    assert "Command line" in window.findChild(TextWindow, "documentationWindow").text.toPlainText()
