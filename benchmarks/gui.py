"""What the benchmarks that drive the window share: the window as the app shows it, and a wait that
lets the event loop run (as the app's does between two inputs). Import it after setting
QT_QPA_PLATFORM and PLAYGROUND_DATA_DIR."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from playground.ui.main_window import MainWindow
from playground.ui.theme import apply_palette


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shown_window(width: int = 1600, height: int = 1000) -> tuple[QApplication, MainWindow]:
    """The application and its main window, themed, at ``width`` x ``height``, shown."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    apply_palette(app, window.theme)
    window.resize(width, height)
    window.show()
    return app, window
