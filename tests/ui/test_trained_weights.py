"""Trained weights in the app: Save keeps them beside the project, opening brings them back (Play goes
on, Reset goes back to the start), weights of an edited network are refused by name, and File > Export…
writes what the run trained."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QMessageBox, QPushButton
from safetensors import safe_open
from safetensors.torch import load_file

from playground.ui.export_dialog import FORMATS
from tests.ui.conftest import LEFT, PRESETS
from tests.ui.test_fields_and_keys import type_into
from tests.ui.test_training import FIRST, LATER, click, pause, play_until, step_of, wait_ready

CTRL = Qt.KeyboardModifier.ControlModifier


def weights_of(path: Path) -> Path:
    return path.with_name(path.stem + ".weights.safetensors")


def train_and_save(qtbot, window, spiral: Path, steps: int) -> int:
    assert window.files.open_path(spiral)
    play_until(qtbot, window, steps)
    trained = pause(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "with its trained weights" in window.statusBar().currentMessage(), timeout=LATER)
    return trained


def test_save_keeps_the_trained_weights_and_opening_brings_them_back(qtbot, window, spiral, dialogs) -> None:
    trained = train_and_save(qtbot, window, spiral, 40)
    assert weights_of(spiral).is_file() and spiral.with_name("spiral.trainer.safetensors").is_file()
    assert f"(step {trained:,})" in window.statusBar().currentMessage()

    assert window.files.open_path(spiral)  # the same file again: a new run, from what was saved
    panel = window.training
    qtbot.waitUntil(
        lambda: "restored" in panel.transport.loss_note.text(), timeout=LATER
    )  # loaded once the canvas shows
    qtbot.waitUntil(lambda: step_of(window) == trained, timeout=LATER)  # the run's first progress follows Loaded
    assert (
        f"Trained weights restored from spiral.weights.safetensors (step {trained:,})"
        in panel.transport.loss_note.text()
    )
    evaluated = panel.curves.val["val_loss"].x
    assert len(evaluated) > 3 and evaluated[-1] == trained  # the curves so far, at the evaluated steps
    play_until(qtbot, window, trained + 20)  # Play trains on from there
    assert pause(qtbot, window) > trained
    qtbot.keyClick(window.view, Qt.Key.Key_R, CTRL)  # Reset: back to the start, not to the saved weights
    qtbot.waitUntil(lambda: step_of(window) == 0, timeout=LATER)
    assert not dialogs.asked


def test_weights_of_an_edited_network_are_refused_by_name_and_the_project_opens(qtbot, window, spiral) -> None:
    train_and_save(qtbot, window, spiral, 10)
    doc = json.loads(spiral.read_text())
    for block in doc["graph"]["blocks"]:
        if block["id"] == "linear_2":
            block["params"]["out_features"] = 6
        if block["id"] == "linear_3":
            block["params"]["in_features"] = 6
    spiral.write_text(json.dumps(doc))
    assert window.files.open_path(spiral)
    message = window.training.transport.message
    qtbot.waitUntil(message.isVisible, timeout=LATER)
    assert (
        "The saved weights were not used" in message.text() and "linear_2 (bias is 8 there, 6 here)" in message.text()
    )
    wait_ready(qtbot, window)
    qtbot.waitUntil(lambda: step_of(window) == 0, timeout=LATER)  # the untrained run's first figures
    assert window.document.graph.blocks["linear_2"].params["out_features"] == 6


def test_save_without_the_weights_when_the_setting_is_off(qtbot, window, spiral) -> None:
    action = window.findChild(QAction, "save_weights")  # File > Save Trained Weights with the Project
    assert action.isChecked()
    action.trigger()
    assert window.files.open_path(spiral)
    play_until(qtbot, window, 10)
    pause(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert window.statusBar().currentMessage() == f"Saved {spiral}"
    qtbot.wait(500)
    assert not weights_of(spiral).exists()


def fill_export(qtbot, fmt: str, target: Path, done: list, by_return: bool = False) -> None:
    """Answer File > Export… as a person does: pick the format with the keyboard, type the path, click
    Export (or press Return in the path)."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:  # not open yet: Ctrl+E is still on its way
            QTimer.singleShot(20, fill)
            return
        combo = dialog.findChild(QComboBox, "exportFormat")
        combo.setFocus()
        for _ in range([f.id for f in FORMATS].index(fmt)):
            qtbot.keyClick(combo, Qt.Key.Key_Down)
        done.append(dialog.findChild(QCheckBox, "exportTrained").isChecked())
        path = dialog.findChild(QLineEdit, "exportPath")
        type_into(qtbot, path, " ", finish=None)  # a blank path cannot be exported to
        done.append(dialog.findChild(QPushButton, "exportButton").isEnabled())
        type_into(
            qtbot,
            dialog.findChild(QLineEdit, "exportPath"),
            str(target),
            finish=Qt.Key.Key_Return if by_return else None,
        )
        if not by_return:
            qtbot.mouseClick(dialog.findChild(QPushButton, "exportButton"), LEFT)

    QTimer.singleShot(0, fill)


def refocus(qtbot, window) -> None:
    """The offscreen platform does not give the window the focus back when a dialog closes; a desktop does."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def test_export_writes_what_the_run_trained(qtbot, window, spiral, tmp_path: Path, dialogs) -> None:
    assert window.files.open_path(spiral)
    play_until(qtbot, window, 30)
    trained = pause(qtbot, window)
    target = tmp_path / "out" / "spiral_model.py"
    target.parent.mkdir()
    ticked: list[bool] = []
    fill_export(qtbot, "python", target, ticked)
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL)
    assert ticked == [True, False]
    qtbot.waitUntil(lambda: "Exported spiral_model.py" in window.statusBar().currentMessage(), timeout=FIRST)
    assert f"(the trained weights (step {trained:,}))" in window.statusBar().currentMessage()
    assert "generated by Playground" in target.read_text() and "from spiral.json" in target.read_text()
    script = (
        "import torch\nfrom safetensors.torch import load_file\nfrom spiral_model import Model\n"
        "model = Model(); model.load_state_dict(load_file('spiral_model.safetensors')); model.eval()\n"
        "print(model(torch.tensor([[0.3, -0.2]])).item())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=target.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    refocus(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)  # the run's weights, saved, are the exported ones
    qtbot.waitUntil(lambda: weights_of(spiral).exists(), timeout=LATER)
    exported = load_file(str(target.with_suffix(".safetensors")))
    saved = load_file(str(weights_of(spiral)))
    assert all(torch.equal(exported[k], saved[k]) for k in saved)

    before = target.read_bytes()
    fill_export(qtbot, "python", target, [])  # again, to the same file: asked first, and kept when refused
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: any("already exist" in text for text in dialogs.asked), timeout=LATER)
    assert str(target.with_suffix(".safetensors")) in dialogs.asked[-1] and target.read_bytes() == before

    picture = tmp_path / "out" / "spiral.png"
    refocus(qtbot, window)
    fill_export(qtbot, "png", picture, [], by_return=True)
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(picture.exists, timeout=LATER)
    image = QImage(str(picture))
    assert image.width() > 400 and image.height() > 100
    click(qtbot, window.training.transport.play_button)  # the run is still usable after exporting
    qtbot.waitUntil(lambda: step_of(window) > trained, timeout=LATER)


def test_leaving_a_trained_project_asks_to_keep_its_weights_and_a_preset_does_not(
    qtbot, window, spiral, dialogs
) -> None:
    trained = train_and_save(qtbot, window, spiral, 10)
    play_until(qtbot, window, trained + 20)
    more = pause(qtbot, window)
    dialogs.answer = QMessageBox.StandardButton.Save
    assert window.files.open_path(PRESETS / "mlp-xor.json")
    assert dialogs.asked == [f"Save the trained weights (step {more:,}) to spiral.json before closing it?"]
    qtbot.waitUntil(lambda: saved_step(spiral) == more, timeout=LATER)  # Save wrote the latest weights
    wait_ready(qtbot, window)
    play_until(qtbot, window, 10)  # a preset's copy, played as in class: nobody is asked
    pause(qtbot, window)
    assert window.files.open_path(spiral)
    assert len(dialogs.asked) == 1


def saved_step(path: Path) -> int:
    with safe_open(str(weights_of(path)), framework="pt") as handle:
        return int(handle.metadata()["step"])
