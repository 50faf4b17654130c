"""Run as a separate process by the crash-recovery test: start the app on a project, delete a block
with the keyboard, report once the autosave is on disk, then keep running until killed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.app import start_window


def main(project: Path, block_id: str) -> None:
    app = QApplication(sys.argv[:1])
    window = start_window(project)
    assert window is not None
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    window.scene.select_blocks([block_id])
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    autosave = window.files.recovery.file_for(project)

    def report_when_saved() -> None:
        if autosave.exists():
            print("autosaved", flush=True)
        else:
            QTimer.singleShot(50, report_when_saved)

    report_when_saved()
    app.exec()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
