"""The window's road in from PyTorch: File > Import PyTorch Model… runs ``playground import`` in its own
process (the window never imports torch, and the user's code runs apart from it), then opens the project
it wrote, or says what stands in the way."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer
from PySide6.QtWidgets import QPushButton, QStatusBar, QWidget

from playground.core.files import weights_files
from playground.host import is_preset
from playground.ui import plain
from playground.ui.actions import Actions
from playground.ui.document import Document
from playground.ui.import_dialog import ImportDialog
from playground.ui.training_panel import TrainingPanel
from playground.ui.window_exports import may_replace

IMPORT_LIMIT_MS = 3 * 60 * 1000  # an import still running then is stopped (its code may never end)
EXIT_UNREPRESENTABLE = 1  # playground import: 1 the module cannot be represented, 2 SOURCE cannot be loaded
NO_DATASET = "No bundled dataset fits"  # what playground import says when the project keeps the default data
KEPT_OUTPUT = 64 * 1024  # bytes of each of the import's streams kept: a module may print for ever
SHOWN_LINES = 12  # of what it wrote on stderr, in the message that says why it failed


class OutputTail:
    """The last ``KEPT_OUTPUT`` bytes a process wrote on one stream, read as they come (QProcess would
    otherwise buffer all of it: 4.6 GB in a minute from a module printing in a loop), and whether the
    import's no-dataset line went by."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.unfit = False

    def add(self, chunk: bytes) -> None:
        self.unfit = self.unfit or NO_DATASET.encode() in bytes(self.data[-len(NO_DATASET) :]) + chunk
        self.data += chunk
        del self.data[:-KEPT_OUTPUT]

    def text(self) -> str:
        return self.data.decode(errors="replace").strip()


class ModelImports(QObject):
    """File > Import PyTorch Model…: the dialog, the import's process (its Cancel button in the status
    bar), then the project it wrote opened with ``open_path``; ``show_training`` brings the training
    panel forward when the imported network's data is left to choose."""

    def __init__(
        self,
        window: QWidget,
        document: Document,
        training: TrainingPanel,
        status: QStatusBar,
        actions: Actions,
        open_path: Callable[[Path], bool],
        show_training: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.window, self.document, self.training, self.status = window, document, training, status
        self.open_path, self.show_training = open_path, show_training
        self.act_import = actions.add("Import PyTorch Model…", self.import_dialog, "Ctrl+I", name="import_model")
        self.act_import.setToolTip("A torch.nn.Module from a Python file, as blocks with its weights")
        self.importer: QProcess | None = None
        self.output, self.errors = OutputTail(), OutputTail()
        self.cancel_import = QPushButton("Cancel import", window)
        self.cancel_import.setObjectName("cancelImport")
        self.cancel_import.clicked.connect(lambda: self._cancel_import())
        self.cancel_import.hide()
        status.addPermanentWidget(self.cancel_import)
        self.import_clock = QTimer(self)
        self.import_clock.setSingleShot(True)
        self.import_clock.setInterval(IMPORT_LIMIT_MS)
        self.import_clock.timeout.connect(self._import_too_long)

    def import_dialog(self) -> None:
        folder = self.document.path.resolve().parent if self.document.path else Path.cwd()
        dialog = ImportDialog(folder, self.window)
        if dialog.exec() != ImportDialog.DialogCode.Accepted:
            return
        target, args = dialog.output(), dialog.arguments()
        if is_preset(target):
            plain.warn(self.window, "Cannot import", f"{target.name}: the presets folder is lecture material")
            return
        weights = weights_files(target.with_suffix(""))[0]
        taken = [path for path in (target, weights if "--weights" in args else None) if path and path.exists()]
        if taken:
            if not may_replace(self.window, taken):
                return
            args.append("--force")
        self.run_import(args, target)

    def run_import(self, args: list[str], target: Path) -> None:
        """``playground import ARGS`` in its own process, then the project it wrote at ``target`` opened."""
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "playground", "import", *args])
        self.output, self.errors = OutputTail(), OutputTail()
        process.readyReadStandardOutput.connect(lambda: self.output.add(bytes(process.readAllStandardOutput().data())))
        process.readyReadStandardError.connect(lambda: self.errors.add(bytes(process.readAllStandardError().data())))
        process.finished.connect(lambda code, _status: self._imported(process, code, target))
        process.errorOccurred.connect(lambda _error: self._import_failed(process, target))
        self.importer = process
        self.act_import.setEnabled(False)
        self.cancel_import.show()
        self.import_clock.start()
        self.status.showMessage(f"Importing {args[0]}… (tracing it with torch.fx)")
        process.start()

    def _cancel_import(self, why: str = "") -> None:
        """Stop a running import (Cancel, or one that did not end in IMPORT_LIMIT_MS): its process is killed,
        nothing is opened, and the window says so."""
        if self.importer is None:
            return
        self.stop()
        said = why or "The import was cancelled: nothing was imported."
        self.status.showMessage(said, 8000)
        if why:
            plain.warn(self.window, "Cannot import", why)

    def stop(self) -> None:
        """The running import's process killed and forgotten, its signals cut first (the window closing:
        a process left running outlived the window and fed its output to deleted objects)."""
        process = self.importer
        if process is None:
            return
        streams = (process.readyReadStandardOutput, process.readyReadStandardError)
        for signal in (*streams, process.finished, process.errorOccurred):
            signal.disconnect()
        process.kill()
        process.waitForFinished(5000)
        self._import_done(process)

    def _import_too_long(self) -> None:
        self._cancel_import(
            f"The import did not finish in {IMPORT_LIMIT_MS // 60000} minutes and was stopped: the model's code may "
            "loop forever, or wait for input. Try `playground import` in a terminal to see where it stops."
        )

    def _imported(self, process: QProcess, code: int, target: Path) -> None:
        self.output.add(bytes(process.readAllStandardOutput().data()))
        self.errors.add(bytes(process.readAllStandardError().data()))
        said = "\n".join(self.errors.text().splitlines()[-SHOWN_LINES:])  # the import's own line is the last
        unfit = self.output.unfit
        if said.startswith("usage:"):  # a field argparse refused: its one line, not the command's usage
            said = said.splitlines()[-1].split("error: ", 1)[-1]
        self._import_done(process)
        if code == 0 and not target.is_file():
            said = f"playground import ended without writing {target} (the model's code ended the program?)"
            code = EXIT_UNREPRESENTABLE + 1
        if code != 0:
            title = "Cannot represent the model" if code == EXIT_UNREPRESENTABLE else "Cannot import"
            plain.warn(self.window, title, said or f"playground import stopped (exit {code})")
            self.status.showMessage(f"Not imported: {said.splitlines()[0] if said else f'exit {code}'}", 8000)
            return
        if self.open_path(target):
            self.status.showMessage(f"Imported {target.name}", 8000)
            if unfit:
                self.show_training()
                self.training.ask_for_data(
                    f"Imported {target.name}. Left to choose: its data. No bundled dataset fits its inputs and "
                    "outputs: pick one here (Dataset), or a CSV or NPZ file of your own."
                )

    def _import_failed(self, process: QProcess, target: Path) -> None:
        if process.error() == QProcess.ProcessError.FailedToStart:
            self._import_done(process)
            plain.warn(self.window, "Cannot import", f"{target.name}: {process.errorString()}")

    def _import_done(self, process: QProcess) -> None:
        self.importer = None
        self.import_clock.stop()
        self.cancel_import.hide()
        self.act_import.setEnabled(True)
        process.deleteLater()
