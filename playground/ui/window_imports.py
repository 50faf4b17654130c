"""The window's road in from PyTorch: File > Import PyTorch Model… runs ``playground import`` in its own
process (the window never imports torch, and the user's code runs apart from it), then opens the project
it wrote, or says what stands in the way."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QMessageBox

from playground import is_preset
from playground.core.files import weights_files
from playground.ui.import_dialog import ImportDialog
from playground.ui.window_exports import may_replace

EXIT_UNREPRESENTABLE = 1  # playground import: 1 the module cannot be represented, 2 SOURCE cannot be loaded


class ModelImports:
    """A mixin of the main window (it uses the document, the status bar and ``open_path``)."""

    def _import_actions(self) -> None:
        self.act_import = self._action("Import PyTorch Model…", self.import_dialog, "Ctrl+I", name="import_model")
        self.act_import.setToolTip("A torch.nn.Module from a Python file, as blocks with its weights")
        self.importer: QProcess | None = None

    def import_dialog(self) -> None:
        folder = self.document.path.resolve().parent if self.document.path else Path.cwd()
        dialog = ImportDialog(folder, self)
        if dialog.exec() != ImportDialog.DialogCode.Accepted:
            return
        target, args = dialog.output(), dialog.arguments()
        if is_preset(target):
            QMessageBox.warning(self, "Cannot import", f"{target.name}: the presets folder is lecture material")
            return
        weights = weights_files(target.with_suffix(""))[0]
        taken = [path for path in (target, weights if "--weights" in args else None) if path and path.exists()]
        if taken:
            if not may_replace(self, taken):
                return
            args.append("--force")
        self._run_import(args, target)

    def _run_import(self, args: list[str], target: Path) -> None:
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "playground", "import", *args])
        process.finished.connect(lambda code, _status: self._imported(process, code, target))
        process.errorOccurred.connect(lambda _error: self._import_failed(process, target))
        self.importer = process
        self.act_import.setEnabled(False)
        self.statusBar().showMessage(f"Importing {args[0]}… (tracing it with torch.fx)")
        process.start()

    def _imported(self, process: QProcess, code: int, target: Path) -> None:
        said = bytes(process.readAllStandardError()).decode(errors="replace").strip()
        if said.startswith("usage:"):  # a field argparse refused: its one line, not the command's usage
            said = said.splitlines()[-1].split("error: ", 1)[-1]
        self._import_done(process)
        if code != 0:
            title = "Cannot represent the model" if code == EXIT_UNREPRESENTABLE else "Cannot import"
            QMessageBox.warning(self, title, said or f"playground import stopped (exit {code})")
            self.statusBar().showMessage(f"Not imported: {said.splitlines()[0] if said else f'exit {code}'}", 8000)
            return
        if self.open_path(target):
            self.statusBar().showMessage(f"Imported {target.name}", 8000)

    def _import_failed(self, process: QProcess, target: Path) -> None:
        if process.error() == QProcess.ProcessError.FailedToStart:
            self._import_done(process)
            QMessageBox.warning(self, "Cannot import", f"{target.name}: {process.errorString()}")

    def _import_done(self, process: QProcess) -> None:
        self.importer = None
        self.act_import.setEnabled(True)
        process.deleteLater()
