"""The lecture notes of the open project: what to point at and which knob to turn. The instructor
edits them here; they are saved with the project (undoable like any edit)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWidget

from playground.core.project import MAX_TEXT
from playground.ui.document import Document
from playground.ui.plain import Label
from playground.ui.theme import set_font

COMMIT_MS = 600  # typing pauses this long before the text becomes an edit


class NotesPanel(QWidget):
    def __init__(self, document: Document) -> None:
        super().__init__()
        self.setObjectName("notesPanel")
        self.document = document
        self.heading = Label()
        self.heading.setObjectName("notesHeading")
        set_font(self.heading, 12, bold=True)
        self.heading.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("notesEditor")
        set_font(self.editor, 11)
        self.editor.setPlaceholderText("Notes for this project: what to point at, which knob to turn…")
        self.commit = QTimer(self)
        self.commit.setSingleShot(True)
        self.commit.setInterval(COMMIT_MS)
        self.commit.timeout.connect(self.save_text)
        self.editor.textChanged.connect(self.commit.start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.too_long = Label()
        self.too_long.setObjectName("notesTooLong")
        self.too_long.setWordWrap(True)
        self.too_long.hide()
        layout.addWidget(self.heading)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.too_long)
        document.replaced.connect(self.show_project)
        document.settings_changed.connect(self._changed)
        self.show_project()

    def show_project(self) -> None:
        project = self.document.project
        lecture = f"Lecture {project.lecture} · " if project.lecture else ""
        self.heading.setText(lecture + project.title)
        self._show_text(project.notes)

    def save_text(self) -> None:
        self.commit.stop()
        text = self.editor.toPlainText()
        self.document.set_notes(text)
        self._say_length(text)

    def _say_length(self, text: str) -> None:
        """Notes longer than a project file holds are said at once (Save would refuse them)."""
        over = len(text) > MAX_TEXT
        if over:
            self.too_long.setText(
                f"The notes are {len(text):,} characters; a project holds at most {MAX_TEXT:,}: shorten them to save."
            )
        self.too_long.setVisible(over)

    def _changed(self, part: str) -> None:
        if part == "notes":
            self._show_text(self.document.project.notes)

    def _show_text(self, text: str) -> None:
        if self.editor.toPlainText() != text:
            self.editor.blockSignals(True)
            self.editor.setPlainText(text)
            self.editor.blockSignals(False)
        self.commit.stop()
        self._say_length(text)
