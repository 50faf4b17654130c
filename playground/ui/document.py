"""The open project: a Project, its undo stack, its file, and the shape analysis after each edit.

Every edit is a core command wrapped in a QUndoCommand. The command edits the Graph
only; the canvas mirrors the Graph's events. A refused edit changes nothing and is
reported through ``refused`` in plain words.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from playground.core import ties
from playground.core.analysis import Analysis
from playground.core.blocks.group import starter_graph
from playground.core.commands import (
    AddBlock,
    Command,
    Connect,
    Disconnect,
    Move,
    PasteGroup,
    RemoveBlocks,
    RenameBlock,
    Retie,
    SetParam,
)
from playground.core.graph import GROUP, Block, Graph, GraphError, Link
from playground.core.groups import GroupBlocks, InGroup, Ungroup, Unroll, level_of
from playground.core.layout import auto_layout
from playground.core.locks import locked_parts, locks_touched
from playground.core.project_types import Assignment, DatasetRef, Project, Stage, TrainingConfig
from playground.core.project_write import save
from playground.core.registry import AUTO, get_spec
from playground.core.shapes import analyse
from playground.host import is_preset
from playground.ui.undo_edits import SettingsEdit, UndoEdit


def plural(count: int, word: str) -> str:
    """ "2 wires", "1 block", "" for none."""
    return f"{count} {word}{'s' if count != 1 else ''}" if count else ""


class PresetWriteError(OSError):
    """Saving into the presets folder: lecture material is never overwritten."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path.name} is a lecture preset, which Playground never overwrites: save it elsewhere")


class Document(QObject):
    """The project and the level of it being edited: the whole network, or the inside of a group
    (``level``: the path of group ids). ``graph`` and ``analysis`` are the level's, ``root`` and
    ``root_analysis`` the whole network's."""

    analysed = Signal(object)  # Analysis of the level shown
    level_changed = Signal()  # another level of groups is shown (the graph object changed)
    path_changed = Signal()
    refused = Signal(str)
    said = Signal(str)  # what an edit did beyond itself (a tie it undid), for the status bar
    replaced = Signal()  # a different graph is now open
    settings_changed = Signal(str)  # the name of the training setting that changed, "dataset" or "notes"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.indexChanged.connect(self._reanalyse)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.project = Project()
        self.path: Path | None = None  # where Save writes; None for a new project and a preset's copy
        self.preset: Path | None = None  # the lecture preset this project is an untitled copy of
        self.assignment_file: Path | None = None  # the assignment opened itself (see open_project)
        self.level: list[str] = []
        self.root_analysis: Analysis = analyse(self.project.graph)

    def _clean_changed(self, clean: bool) -> None:
        self.path_changed.emit()

    @property
    def root(self) -> Graph:
        return self.project.graph

    @property
    def graph(self) -> Graph:
        return level_of(self.project.graph, self.level)

    @property
    def analysis(self) -> Analysis:
        return self.root_analysis.level(self.level)

    # --- levels ---------------------------------------------------------------------
    def enter(self, path: list[str]) -> None:
        """Show the inside of the group at ``path`` ([] for the whole network)."""
        level_of(self.root, path)  # raises GraphError for a path that is not there
        if path != self.level:
            self.level = list(path)
            self.level_changed.emit()
            self.analysed.emit(self.analysis)

    def open_group(self, block_id: str) -> bool:
        block = self.graph.blocks.get(block_id)
        if block is None or block.graph is None:
            return False
        self.enter([*self.level, block_id])
        return True

    def show_level(self, command: Command) -> None:
        """After an undo or redo, show the level its edit was made in (the top when that group is gone)."""
        if isinstance(command, Retie):
            return  # part of an edit whose own level is shown
        path = command.path if isinstance(command, InGroup) else []
        try:
            self.enter(path)
        except GraphError:
            self.enter([])

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    # --- files ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        """How the window and the prompts name the project."""
        if self.path is not None:
            return self.path.name
        return f"{self.preset.stem} (preset)" if self.preset is not None else "Untitled"

    def open_project(self, project: Project, path: Path | None) -> None:
        """Show ``project``; a file from the presets folder opens as an untitled copy of that preset, so
        Save asks where to write and nothing ever writes into the presets."""
        self.undo_stack.clear()  # first: clearing re-analyses, and that must still see the old graph
        self.preset = path if path is not None and is_preset(path) else None
        assignment, self.assignment_file = project.assignment, None  # the assignment itself, if it is what opens
        if assignment is not None and not assignment.source and path is not None:  # else a student's copy, whence
            self.assignment_file, project.assignment = path, dataclasses.replace(assignment, source=path.name)
        self.project = project
        self.level = []
        self.path = None if self.preset is not None else path
        self.root_analysis = analyse(project.graph)  # before the canvas is rebuilt: it shows it at once
        self.replaced.emit()
        self.path_changed.emit()
        self.analysed.emit(self.analysis)

    def save_assignment(self, path: Path) -> None:
        """Write the project as the assignment itself (no ``from``); a project without a file becomes it."""
        if is_preset(path):
            raise PresetWriteError(path)
        assignment = self.project.assignment
        if assignment is None:
            raise ValueError("the project has no assignment")
        if self.path is None:  # what is open is what was written: quitting need not ask to save it
            self.assignment_file = path
            return self.save(path)
        save(dataclasses.replace(self.project, assignment=dataclasses.replace(assignment, source="")), path)

    def save(self, path: Path | None = None) -> None:
        """Write the project; a target inside the presets folder is refused with PresetWriteError."""
        target = path or self.path
        if target is None:
            raise ValueError("no file to save to")
        if is_preset(target):
            raise PresetWriteError(target)
        project, assignment, kept = self.project, self.project.assignment, self.assignment_file
        if assignment is not None and kept is not None and target.resolve() == kept.resolve():
            project = dataclasses.replace(project, assignment=dataclasses.replace(assignment, source=""))
        save(project, target)
        self.path, self.preset = target, None
        self.undo_stack.setClean()
        self.path_changed.emit()

    # --- edits ---------------------------------------------------------------------
    def apply(self, command: Command) -> bool:
        """Do an edit at the level shown, as one undo step; a tie whose block it removes (deleted, or moved
        into or out of a group) is undone in the same step, and ``said``."""
        command = self._here(command)
        if not self._do(command):
            return False
        loose = ties.loose(self.root)
        if loose:
            with self.macro(command.text):
                self.undo_stack.push(UndoEdit(self, command))
                self._retie({name: to for name, to in self.root.ties.items() if name not in loose})
            shown = "; ".join(f"{name} from {to}" for name, to in loose.items())
            self.said.emit(f"Untied {shown}: one of the blocks is no longer where the tie named it")
            return True
        count = self.undo_stack.count()
        self.undo_stack.push(UndoEdit(self, command))
        if self.undo_stack.count() == count and not self.undo_stack.isClean():
            self._reanalyse()  # merged into the previous edit: the stack's index did not move
        return True

    def _here(self, command: Command) -> Command:
        """``command`` as done at the level shown (inside the group being edited, or on the whole network)."""
        return InGroup(list(self.level), command) if self.level else command

    def _do(self, command: Command) -> bool:
        """Do ``command`` on the project; False (and ``refused``, saying why) if it cannot be done, or
        if it would change what the assignment locks (then it is undone at once)."""
        kept = self._locked()
        try:
            command.do(self.root)
        except GraphError as exc:
            self.refused.emit(str(exc))
            return False
        touched = locks_touched(kept, self._locked())
        if touched:
            command.undo(self.root)
            self.refused.emit(f"Locked by the assignment: {touched[0]} stays as it is")
            return False
        return True

    def _locked(self) -> dict[str, object]:
        assignment = self.project.assignment
        return locked_parts(self.project, assignment.locks, positions=True) if assignment else {}

    def is_locked(self, block_id: str) -> bool:
        """Whether the block shown as ``block_id`` (at the level shown) is locked by the assignment: a
        locked top-level block, or anything inside one."""
        assignment = self.project.assignment
        if assignment is None:
            return False
        top = self.level[0] if self.level else block_id
        return top in assignment.locks.blocks

    def setting_locked(self, name: str) -> bool:
        """Whether the training setting ``name`` (or "dataset") is locked by the assignment."""
        return self.project.assignment is not None and name in self.project.assignment.locks.kept_settings

    @contextlib.contextmanager
    def macro(self, text: str) -> Iterator[None]:
        self.undo_stack.beginMacro(text)
        try:
            yield
        finally:
            self.undo_stack.endMacro()
            made = self.undo_stack.command(self.undo_stack.index() - 1)
            if made is not None and made.childCount() == 0:  # every edit in it refused: no step, not modified
                made.setObsolete(True)
                self.undo_stack.undo()

    def add_block(self, type_name: str, x: float, y: float) -> str | None:
        spec = get_spec(type_name)
        if spec is None:
            self.refused.emit(f"there is no block type '{type_name}'")
            return None
        block_id = self.graph.new_id(spec.type)
        sizes = {p.name: AUTO for p in spec.params if p.infer_from is not None}  # new blocks size themselves
        inside = starter_graph() if spec.type == GROUP else None
        return block_id if self.apply(AddBlock(Block(block_id, spec.type, sizes, x, y, inside))) else None

    def group(self, block_ids: list[str]) -> str | None:
        """Gather blocks into a new group; its id, or None (and ``refused``) if they cannot be."""
        group_id = self.graph.new_id(GROUP)
        return group_id if self.apply(GroupBlocks(block_ids, group_id)) else None

    def ungroup(self, group_id: str) -> list[str]:
        """Put a group's blocks in its place (each copy's, in a row, for a repeated group); their ids
        (empty, and ``refused``, if it cannot be). One undo step."""
        block = self.graph.blocks.get(group_id)
        if block is None or block.params.get("repeat", 1) == 1:
            command = Ungroup(group_id)
            return command.new_ids if self.apply(command) else []
        unroll = Unroll(group_id)
        with self.macro(f"Ungroup {group_id}"):
            if not self.apply(unroll):
                return []
            return [b for copy in unroll.new_ids for b in self.ungroup(copy)]

    def wire(self, link: Link) -> bool:
        return self.apply(Connect(link))

    def delete(self, block_ids: list[str], links: list[Link]) -> None:
        if not block_ids and not links:
            return
        loose = [link for link in links if link.src not in block_ids and link.dst not in block_ids]
        wires = len(loose) + len(self.graph.links_of(block_ids))
        parts = [plural(len(block_ids), "block"), plural(wires, "wire")]
        with self.macro("Delete " + " and ".join(part for part in parts if part)):
            for link in loose:
                self.apply(Disconnect(link))
            if block_ids:
                self.apply(RemoveBlocks(block_ids))

    def set_param(self, block_id: str, name: str, value: object) -> bool:
        return self.apply(SetParam(block_id, name, value))

    def rename(self, block_id: str, new_id: str) -> bool:
        """Rename a block; the stage and its tied weights follow it under its new name (one undo step)."""
        stage, command = self.project.stage, RenameBlock(block_id, new_id)
        follows = not self.level and stage.follow == block_id
        tied = ties.renamed(self.root.ties, self.level, block_id, new_id)
        if not follows and tied == self.root.ties:
            return self.apply(command)
        done = self._here(command)
        if not self._do(done):
            return False
        with self.macro(command.text):
            self.undo_stack.push(UndoEdit(self, done))
            if tied != self.root.ties:
                self._retie(tied)
            if follows:
                self.set_stage(dataclasses.replace(stage, follow=new_id))
        return True

    def untie(self, names: list[str]) -> None:
        """Give the weights ``names`` (block paths and weights) their own tensors again: one undo step."""
        if any(name in self.root.ties for name in names):
            self._retie({key: to for key, to in self.root.ties.items() if key not in names})

    def _retie(self, after: dict[str, str]) -> None:
        command = Retie(dict(self.root.ties), after)
        command.do(self.root)
        self.undo_stack.push(UndoEdit(self, command))

    def disconnect_all(self, block_id: str) -> None:
        links = self.graph.links_of([block_id])
        if links:
            with self.macro(f"Disconnect {block_id} ({plural(len(links), 'wire')})"):
                for link in links:
                    self.apply(Disconnect(link))

    def move(self, positions: dict[str, tuple[float, float]], nudge: bool = False) -> None:
        moved = {b: p for b, p in positions.items() if (self.graph.blocks[b].x, self.graph.blocks[b].y) != p}
        if moved:
            self.apply(Move(moved, nudge=nudge))

    def add_saved_group(self, group: Block, x: float, y: float) -> str | None:
        """A group from My blocks at (x, y), named as it was saved (``residual``, or ``residual_1``
        when that name is taken here); its id, or None (and ``refused``)."""
        block_id = group.id if group.id not in self.graph.blocks else self.graph.new_id(group.id)
        command = PasteGroup([group], [], (x - group.x, y - group.y), {group.id: block_id})
        command.text = f"Add {block_id} from My Blocks"
        return block_id if self.apply(command) else None

    def paste(self, blocks: list[Block], links: list[Link], offset: tuple[float, float]) -> list[str]:
        command = PasteGroup(blocks, links, offset)
        return list(command.new_ids.values()) if self.apply(command) else []

    def set_training(self, name: str, value: object) -> bool:
        """Change one training setting (validated like a file field); False and ``refused`` if invalid."""
        spec = TrainingConfig.specs()[name]
        if self.setting_locked(name) and value != getattr(self.project.training, name):
            self.refused.emit(f"Locked by the assignment: {name} stays {getattr(self.project.training, name)}")
            return False
        try:
            value = spec.validate(value)
        except ValueError as exc:
            self.refused.emit(f"{name} {exc}")
            return False
        before = self.project.training
        if getattr(before, name) == value:
            return True
        self.undo_stack.push(SettingsEdit(self, "training", name, before, before.with_setting(name, value)))
        return True

    def set_notes(self, text: str) -> None:
        """The lecture notes; consecutive typing merges into one undo step."""
        if text != self.project.notes:
            self.undo_stack.push(SettingsEdit(self, "notes", "notes", self.project.notes, text))

    def set_stage(self, stage: Stage) -> None:
        """What presentation shows for this lecture (an undoable edit of the project)."""
        if stage != self.project.stage:
            self.undo_stack.push(SettingsEdit(self, "stage", "stage", self.project.stage, stage))

    def set_dataset(self, ref: DatasetRef, merges: bool = True) -> None:
        if ref != self.project.dataset and self.setting_locked("dataset"):
            self.refused.emit("Locked by the assignment: the dataset stays as it is")
        elif ref != self.project.dataset:
            self.undo_stack.push(SettingsEdit(self, "dataset", ref.id, self.project.dataset, ref, merges))

    def set_assignment(self, assignment: Assignment | None) -> None:
        """The project's brief, locks and goals (an undoable edit: Undo takes a lock back first)."""
        if assignment != self.project.assignment:
            self.undo_stack.push(SettingsEdit(self, "assignment", "assignment", self.project.assignment, assignment))

    def replace_settings(self, part: str, value: object) -> None:
        before = getattr(self.project, part)
        setattr(self.project, part, value)
        if part in ("dataset", "notes", "stage", "assignment"):
            self.settings_changed.emit(part)
            return
        for name in (f.name for f in dataclasses.fields(TrainingConfig)):
            if getattr(before, name) != getattr(value, name):
                self.settings_changed.emit(name)

    def auto_layout(self) -> None:
        """Lay the level out in columns; blocks the assignment locks stay where they are."""
        self.move({b: place for b, place in auto_layout(self.graph).items() if not self.is_locked(b)})

    def _reanalyse(self) -> None:
        self.root_analysis = analyse(self.root)
        self.analysed.emit(self.analysis)
