"""Presets are lecture material: they open as untitled copies, and nothing ever writes into them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from playground.core.project import load
from playground.host import PRESETS
from tests.cli.test_everyday import presets_digest
from tests.ui.conftest import click_block

CTRL = Qt.KeyboardModifier.ControlModifier


class SaveDialog:
    """Stands in for the file dialog: records where it started, gives the next of ``answers`` ("" cancels)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[str] = []
        self.answers: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._ask)

    def _ask(self, parent, title, start, kinds):
        self.asked.append(start)
        return (self.answers.pop(0) if self.answers else ""), kinds


@pytest.fixture
def save_dialog(monkeypatch) -> SaveDialog:
    return SaveDialog(monkeypatch)


@pytest.fixture
def preset_window(qtbot, window):
    before = presets_digest()
    assert window.files.open_path(PRESETS / "mlp-spiral.json")
    yield window
    assert presets_digest() == before, "a preset file was written"


def delete_a_block(qtbot, window) -> None:
    click_block(qtbot, window, "tanh_2")
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert "tanh_2" not in window.document.graph.blocks


def test_a_preset_opens_as_an_untitled_copy(preset_window) -> None:
    window = preset_window
    assert window.document.path is None and window.document.preset == PRESETS / "mlp-spiral.json"
    assert window.windowTitle().startswith("mlp-spiral (preset)")


def test_ctrl_s_on_a_preset_asks_where_to_save(qtbot, preset_window, save_dialog, tmp_path: Path) -> None:
    window = preset_window
    delete_a_block(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)  # cancelled: nothing written
    assert len(save_dialog.asked) == 1 and save_dialog.asked[0].endswith("mlp-spiral.json")
    assert Path(save_dialog.asked[0]).parent != PRESETS
    save_dialog.answers = [str(tmp_path / "mine.json")]
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert window.document.path == tmp_path / "mine.json" and not window.document.modified
    assert "tanh_2" not in load(tmp_path / "mine.json").graph.blocks
    assert window.windowTitle().startswith("mine.json")


def test_save_as_into_the_presets_folder_is_refused(qtbot, preset_window, save_dialog, dialogs) -> None:
    window = preset_window
    delete_a_block(qtbot, window)
    save_dialog.answers = [str(PRESETS / "mlp-spiral.json")]  # refused, asked again, then cancelled
    window.files.act_save_as.trigger()
    assert any("never overwrites" in text for text in dialogs.asked)
    assert len(save_dialog.asked) == 2 and window.document.modified


def test_the_unsaved_changes_prompt_saves_elsewhere(qtbot, preset_window, save_dialog, dialogs, tmp_path) -> None:
    window = preset_window
    delete_a_block(qtbot, window)
    dialogs.answer = QMessageBox.StandardButton.Save  # the prompt's default button
    save_dialog.answers = [str(tmp_path / "kept.json")]
    assert window.files.open_path(PRESETS / "mlp-xor.json")
    assert any("mlp-spiral (preset)" in text for text in dialogs.asked)
    assert "tanh_2" not in load(tmp_path / "kept.json").graph.blocks


def test_autosave_of_a_preset_copy_goes_to_the_recovery_folder(qtbot, preset_window, data_dir) -> None:
    window = preset_window
    delete_a_block(qtbot, window)
    window.files.write_recovery()
    found = window.files.recovery.latest()
    assert found is not None and found.original == PRESETS / "mlp-spiral.json"
    assert found.file.is_relative_to(data_dir) and "tanh_2" not in found.text


def test_revert_to_preset_restores_the_original(qtbot, preset_window, dialogs) -> None:
    window = preset_window
    delete_a_block(qtbot, window)
    dialogs.answer = QMessageBox.StandardButton.Discard
    window.files.act_revert.trigger()
    assert "tanh_2" in window.document.graph.blocks and not window.document.modified
    assert window.document.preset == PRESETS / "mlp-spiral.json"
    assert any("go back to the original mlp-spiral" in text for text in dialogs.asked)


def test_revert_is_offered_for_presets_only(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    assert not window.files.act_revert.isEnabled()
    assert window.files.open_path(PRESETS / "mlp-xor.json")
    assert window.files.act_revert.isEnabled()
    assert json.loads((PRESETS / "mlp-xor.json").read_text())["format"] == "playground-project"
