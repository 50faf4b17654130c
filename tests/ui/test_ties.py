"""Tied weights in the window: the inspector says which weights are one tensor and unties them; a rename
keeps the tie, a delete undoes it in the same undo step and says so; Undo brings each back."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog

from tests.ui.conftest import LEFT, PRESETS, click_block
from tests.ui.test_fields_and_keys import run_block_menu


def tied_project(tmp_path: Path) -> Path:
    doc = json.loads((PRESETS / "char-gpt.json").read_text())
    head = next(b for b in doc["graph"]["blocks"] if b["id"] == "linear_1")
    head["params"]["bias"] = False
    doc["graph"]["ties"] = {"linear_1.weight": "embedding_1.weight"}
    path = tmp_path / "tied.json"
    path.write_text(json.dumps(doc))
    return path


def test_the_inspector_shows_a_tie_and_unties_it_until_undo(qtbot, window, tmp_path: Path) -> None:
    assert window.files.open_path(tied_project(tmp_path))
    inspector = window.inspector
    window.view.centerOn(window.scene.blocks["linear_1"])
    click_block(qtbot, window, "linear_1")
    assert inspector.tied.isVisible() and "linear_1.weight = embedding_1.weight" in inspector.tied.text()
    cards = window.scene.blocks
    assert cards["linear_1"].size_text == cards["embedding_1"].size_text == "3,712 params · tied"
    counted = window.document.root_analysis.total_params
    qtbot.mouseClick(inspector.untie, LEFT)
    assert window.document.root.ties == {} and not inspector.tied.isVisible()
    assert cards["linear_1"].size_text == "3,712 params"
    assert window.document.root_analysis.total_params == counted + 58 * 64  # two tensors now
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.root.ties == {"linear_1.weight": "embedding_1.weight"}
    assert inspector.tied.isVisible()


def test_a_rename_keeps_the_tie_and_a_delete_unties_in_one_step(qtbot, window, tmp_path, monkeypatch) -> None:
    assert window.files.open_path(tied_project(tmp_path))
    document = window.document
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("wte", True))
    run_block_menu(qtbot, window, "embedding_1", "Rename…")
    assert document.root.ties == {"linear_1.weight": "wte.weight"}
    window.activateWindow()  # offscreen Qt can leave the closed menu the active window; a display gives it back
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.view.centerOn(window.scene.blocks["wte"])  # scrolled to, wherever the canvas was left
    click_block(qtbot, window, "wte")
    assert window.scene.selected_block_ids() == ["wte"]
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert "wte" not in document.root.blocks and document.root.ties == {}
    assert "Untied linear_1.weight from wte.weight" in window.statusBar().currentMessage()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "wte" in document.root.blocks and document.root.ties == {"linear_1.weight": "wte.weight"}
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert document.root.ties == {"linear_1.weight": "embedding_1.weight"}
    assert not document.root_analysis.problems
