"""Text from a file is shown as it is, never as rich text: a title of ``<img src="/dev/zero">`` once read
the device into memory until the window died, and ``<img src>`` of a local picture showed it. Every label
of the window is plain (ui/plain.py's Label), every message box too (the dialogs fixture checks each one
the suite shows), and tooltips that carry a file's words escape them."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QLabel

from playground.core.project import load
from playground.core.project_types import Assignment, Goal, Locks
from playground.core.project_write import save
from playground.ui.plain import bold_tip, tip
from tests.ui.conftest import PRESETS

UI = Path(__file__).resolve().parents[2] / "playground" / "ui"


def hostile(tmp_path: Path) -> str:
    picture = tmp_path / "star.png"
    image = QImage(300, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(picture))
    return f'<img src="{picture}"> <b>bold</b> & <a href="x">a link</a>'


def test_a_title_brief_and_notes_from_a_file_are_shown_as_they_are(qtbot, window, tmp_path) -> None:
    text = hostile(tmp_path)
    project = load(PRESETS / "mlp-spiral.json")
    project.title, project.description, project.notes = text, text, text
    project.assignment = Assignment(text, Locks((), (), ()), (Goal("val_accuracy", at_least=0.9),), 3000)
    path = tmp_path / "stranger.json"
    save(project, path)
    assert window.files.open_path(path)
    labels = window.findChildren(QLabel)
    showing = {label.objectName() for label in labels if "<img" in label.text()}
    assert {"notesHeading", "assignmentHeading", "assignmentBrief"} <= showing, showing
    rich = [
        (label.objectName(), label.text()[:40]) for label in labels if label.textFormat() != Qt.TextFormat.PlainText
    ]
    assert not rich, f"labels that read rich text: {rich}"


def test_tooltips_show_a_files_words_as_they_are(tmp_path) -> None:
    text = hostile(tmp_path)
    for shown in (tip(text), bold_tip(text, text, "line\nbelow")):
        document = QTextDocument()
        document.setHtml(shown)
        assert text in document.toPlainText()  # the markup shown as characters, not read
        assert "<img" not in shown and "<a " not in shown


def test_labels_and_message_boxes_are_made_in_one_place() -> None:
    """By construction: a QLabel, a static QMessageBox or a form row's label made elsewhere would guess
    rich text again."""
    made = re.compile(r"(?<![\w.])QLabel\(|QMessageBox\.(warning|information|question|critical)\(|addRow\(f?[\"']")
    found = [
        f"{file.relative_to(UI)}:{number}"
        for file in UI.rglob("*.py")
        if file.name != "plain.py"
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1)
        if made.search(line)
    ]
    assert not found, found
