"""The edits on the document's undo stack: a core command (``UndoEdit``), and a change to the project's
settings, notes, stage or assignment (``SettingsEdit``); consecutive edits of one thing merge into one
step."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand

from playground.core.commands import Command, Move, SetParam
from playground.core.graph import Graph
from playground.core.groups import InGroup


class Edited(Protocol):
    """What an edit needs of the document it edits (ui/document.py's Document): the edits sit below it."""

    @property
    def root(self) -> Graph: ...

    def show_level(self, command: Command) -> None: ...

    def replace_settings(self, part: str, value: object) -> None: ...


MERGE_IDS = {SetParam: 1, Move: 2}


class UndoEdit(QUndoCommand):
    """A core command on the undo stack. It has already been done when pushed."""

    def __init__(self, document: Edited, command: Command) -> None:
        super().__init__(command.text)
        self.document = document
        self.command = command
        self._done = True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.command.do(self.document.root)
        self.document.show_level(self.command)

    def undo(self) -> None:
        self.command.undo(self.document.root)
        self.document.show_level(self.command)

    def id(self) -> int:
        inner = self.command.command if isinstance(self.command, InGroup) else self.command
        return MERGE_IDS.get(type(inner), -1)

    def mergeWith(self, other: QUndoCommand) -> bool:
        return isinstance(other, UndoEdit) and self.command.merge(other.command)


class SettingsEdit(QUndoCommand):
    """A change to the project's dataset, training settings, notes, stage or assignment (``part``: "dataset",
    "training", "notes", "stage", "assignment").
    Consecutive changes of one setting merge, so dragging a slider is one undo step (unless ``merges``
    is False: each stroke of a drawing is a step of its own)."""

    def __init__(
        self, document: Edited, part: str, key: str, before: object, after: object, merges: bool = True
    ) -> None:
        super().__init__(f"Change {key}")
        self.document, self.part, self.key, self.merges = document, part, key, merges
        self.before, self.after = before, after

    def redo(self) -> None:
        self.document.replace_settings(self.part, self.after)

    def undo(self) -> None:
        self.document.replace_settings(self.part, self.before)

    def id(self) -> int:
        return 3

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SettingsEdit) or (other.part, other.key) != (self.part, self.key):
            return False
        if not (self.merges and other.merges):
            return False
        self.after = other.after
        return True
