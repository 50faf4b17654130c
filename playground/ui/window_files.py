"""The window's file commands: new, open, open a preset, save, save as, revert to a preset, the recent
files and the autosave that brings work back after a crash. A preset opens as an untitled copy (see
Document.open_project) and is never written."""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QStyle, QWidget

from playground.core.project import load, loads
from playground.core.project_types import Project
from playground.core.project_write import dumps
from playground.core.reader import ProjectError
from playground.host import PRESETS, is_preset, nearest_presets
from playground.ui import plain
from playground.ui.actions import Actions, Say
from playground.ui.canvas.view import CanvasView
from playground.ui.document import Document, PresetWriteError
from playground.ui.gallery import Gallery
from playground.ui.notes import NotesPanel
from playground.ui.plain import Button
from playground.ui.settings_file import setting, settings
from playground.ui.storage import RecoveryStore
from playground.ui.theme import Theme
from playground.ui.window_exports import ModelExports

MAX_RECENT = 8
AUTOSAVE_MS = 2000


DATA_PATHS = ("path", "folder")  # the datasets' file and folder settings, before the catalogue has come


def recent_files() -> list[str]:
    """Recently opened project files, newest first."""
    return setting("recent", [])


class ProjectFiles(QObject):
    """The File menu's commands on projects, the recent files and the autosave; ``window`` parents the
    dialogs, ``theme`` is the window's theme now (for the preset gallery), ``show_notes`` turns to the
    lecture notes, ``retitle`` shows the project's name and state in the title bar."""

    def __init__(
        self,
        window: QWidget,
        document: Document,
        notes: NotesPanel,
        view: CanvasView,
        exports: ModelExports,
        actions: Actions,
        say: Say,
        theme: Callable[[], Theme],
        show_notes: Callable[[], None],
        retitle: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.window, self.document, self.notes, self.view, self.exports = window, document, notes, view, exports
        self.say, self.theme, self.show_notes, self.retitle = say, theme, show_notes, retitle
        self.recovery = RecoveryStore()
        sp, key = QStyle.StandardPixmap, QKeySequence.StandardKey
        self.act_new = actions.add("New", self.new_project, key.New, sp.SP_FileIcon)
        self.act_open = actions.add("Open…", self.open_dialog, key.Open, sp.SP_DialogOpenButton, "open")
        self.act_preset = actions.add("Open Preset…", self.open_preset_dialog, "Ctrl+Shift+O", name="open_preset")
        self.act_save = actions.add("Save", self.save, key.Save, sp.SP_DialogSaveButton)
        self.act_save_as = actions.add("Save As…", self.save_as, key.SaveAs, name="save_as")
        self.act_revert = actions.add("Revert to Preset", self.revert_to_preset, name="revert_preset")
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.write_recovery)
        document.undo_stack.indexChanged.connect(self.autosave.start)  # write_recovery skips a clean project

    # --- files -------------------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """True if the current project may be replaced (saved, discarded, or unchanged)."""
        self.notes.save_text()
        trained = self.exports.unsaved_training()
        if not self.document.modified and not trained:
            return True
        what = "the changes" if self.document.modified else f"the trained weights (step {trained:,})"
        if self.document.modified and trained:
            what = f"the changes and the trained weights (step {trained:,})"
        answer = plain.ask(
            self.window,
            "Unsaved changes",
            f"Save {what} to {self.document.name} before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save() and self.exports.await_weights()  # closing only once what Save said is on disk
        return answer == QMessageBox.StandardButton.Discard

    def recovery_key(self) -> Path | None:
        """The file an autosave belongs to: the project's, or the preset it is a copy of."""
        return self.document.path or self.document.preset

    def new_project(self) -> None:
        if self.confirm_discard():
            self.recovery.discard(self.recovery_key())
            self.document.open_project(Project(), None)

    def open_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", start, "Playground projects (*.json)")
        if path:
            self.open_path(Path(path))

    def open_preset_dialog(self) -> None:
        """The preset gallery (window-modal; the chosen preset opens when the dialog closes)."""
        gallery = Gallery(PRESETS, self.theme(), self.window)
        gallery.accepted.connect(lambda: self._open_preset(gallery.chosen))
        gallery.finished.connect(gallery.deleteLater)
        gallery.open()

    def _open_preset(self, path: Path | None) -> None:
        """Open a preset and turn to its lecture notes."""
        if path is not None and self.open_path(path):
            self.show_notes()

    def open_path(self, path: Path) -> bool:
        if not self.confirm_discard():
            return False
        try:
            previous = self.recovery_key()
            project = load(path)
            if not self._may_read_data(project, path):
                return False
            self.document.open_project(project, path)
        except ProjectError as exc:
            plain.warn(self.window, "Cannot open project", str(exc))
            return False
        except OSError as exc:
            plain.warn(self.window, "Cannot open project", f"{path}: {exc.strerror or exc}{nearest_presets(str(path))}")
            return False
        self.recovery.discard(previous)
        self._remember(path)
        QTimer.singleShot(0, self.view.show_network)
        return True

    def _may_read_data(self, project: Project, path: Path) -> bool:
        """A project from elsewhere that reads data outside its own folder (a file, a folder: /dev/tty,
        someone's photos) shows where before anything is read, and opens only when the user says so."""
        catalogue = self.exports.session.catalogue
        infos = {info.id: info for info in catalogue.datasets} if catalogue else {}
        ref = project.dataset
        kinds = {p.name for p in infos[ref.id].params if p.kind in ("file", "folder")} if ref.id in infos else set()
        folder = path.resolve().parent
        outside = [
            str(place)
            for name in sorted(kinds or DATA_PATHS)
            if isinstance(ref.params.get(name), str) and ref.params[name]
            for place in [(folder / Path(ref.params[name]).expanduser()).resolve()]
            if place != folder and folder not in place.parents
        ]
        if not outside or is_preset(path):
            return True
        answer = plain.ask(
            self.window,
            "Read data from elsewhere?",
            f"{path.name} reads its data from outside its own folder:\n\n" + "\n".join(outside) + "\n\n"
            "Open it and let it read that? (Nothing is read until you say so.)",
            Button.Open | Button.Cancel,
            Button.Cancel,
        )
        return answer == Button.Open

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = str(self.document.path or Path.cwd() / self._new_name())
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project", start, "Playground projects (*.json)")
        return self._save_to(Path(path)) if path else False

    def _new_name(self) -> str:
        """The name Save As offers a project without a file: a student's work on an assignment is named
        after it and the student's login (``spiral-200-ana.json``: a class handed in 47 files named
        ``spiral-200.json``), a preset's copy after the preset."""
        preset, assignment = self.document.preset, self.document.project.assignment
        if assignment is not None and assignment.source:
            return f"{Path(assignment.source).stem}-{_login()}.json"
        return f"{preset.stem}.json" if preset else "untitled.json"

    def revert_to_preset(self) -> None:
        """Back to the lecture preset as it is shipped, dropping the changes made to this copy (asked first)."""
        preset = self.document.preset
        if preset is None:
            return
        if self.document.modified:
            answer = plain.ask(
                self.window,
                "Revert to preset",
                f"Discard your changes and go back to the original {preset.stem} preset?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
            self.document.undo_stack.setClean()  # the changes were given up: open_path must not ask again
        self.open_path(preset)

    def _save_to(self, path: Path) -> bool:
        self.notes.save_text()
        previous = self.recovery_key()
        try:
            self.document.save(path)
        except PresetWriteError as exc:
            plain.warn(self.window, "Cannot save", str(exc))
            return self.save_as()
        except ProjectError as exc:
            plain.warn(
                self.window,
                "Cannot save",
                f"{exc}\n\nNothing was written ({path.name} is as it was): Playground could not open such a file "
                "again. Your work stays open here.",
            )
            return False
        except OSError as exc:
            plain.warn(
                self.window,
                "Cannot save",
                f"{path}: {exc.strerror or exc}\n\nNothing was written; your work stays open here.",
            )
            return False
        self.recovery.discard(previous)
        self.recovery.discard(path)
        self._remember(path)
        self.say(self.exports.save_trained_weights(path), 12000)
        return True

    def _remember(self, path: Path) -> None:
        store = settings()
        recent = [p for p in recent_files() if p != str(path.resolve())]
        store.setValue("recent", [str(path.resolve()), *recent][:MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = recent_files()
        for entry in recent:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda checked=False, p=entry: self.open_path(Path(p)))
        self.recent_menu.setEnabled(bool(recent))

    # --- autosave and recovery -------------------------------------------------------------
    def write_recovery(self) -> None:
        if self.document.modified:
            said = self.recovery.problem
            self.recovery.write(self.recovery_key(), dumps(self.document.project))
            if self.recovery.problem != said:  # once, not at every autosave
                self.say(self.recovery.problem, 12000)

    def offer_recovery(self) -> bool:
        """After a crash, offer the last autosaved state; True if it was restored."""
        found = self.recovery.latest()
        if self.recovery.damaged:
            self.say(f"A damaged autosave could not be offered; it was {self.recovery.damaged[0]}", 10000)
        if found is None:
            return False
        name = found.original.name if found.original else "an untitled project"
        answer = plain.ask(
            self.window,
            "Restore unsaved work?",
            f"Playground did not close cleanly. Restore the unsaved changes to {name}?\n\nThe autosave keeps "
            "the project, not the trained weights: the network starts from the weights last saved with the "
            "project, or untrained if they no longer fit.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            found.file.unlink(missing_ok=True)
            return False
        try:
            project = loads(found.text, "autosave")
        except ProjectError as exc:
            became = self.recovery.set_aside(found.file)
            plain.warn(self.window, "Cannot restore", f"{exc}\n\nThe autosave was {became}.")
            return False
        self.document.open_project(project, found.original)
        self.document.undo_stack.resetClean()
        self.retitle()
        QTimer.singleShot(0, self.view.show_network)
        return True


def _login() -> str:
    """Who is signed in on this machine, as a file name may hold it ("student" where the system does not say)."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "student"
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "student"
