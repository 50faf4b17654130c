"""Fixtures for driving the real main window with pytest-qt."""

from __future__ import annotations

import shutil
import sys
import threading
import traceback
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from playground.runtime import process as processes
from playground.ui.main_window import MainWindow
from playground.ui.theme import apply_palette
from tests.ui.worker_pool import WorkerPool

PRESETS = Path(__file__).resolve().parents[2] / "presets"
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture(autouse=True)
def stray_exceptions(monkeypatch: pytest.MonkeyPatch):
    """Fail the test when an exception escapes where nobody catches it: pytest-qt already fails a test
    whose Qt slot or event handler raised (sys.excepthook); this adds exceptions in other threads (the
    session's receiver) and unraisable ones (destructors, callbacks from C)."""
    caught: list[str] = []

    def record(args) -> None:
        caught.append("".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))

    monkeypatch.setattr(threading, "excepthook", record)
    monkeypatch.setattr(sys, "unraisablehook", record)
    yield caught
    if caught:
        pytest.fail("an exception escaped to the event loop:\n" + "\n".join(caught))


@pytest.fixture(scope="session")
def worker_pool():
    pool = WorkerPool()
    yield pool
    pool.close()


@pytest.fixture(autouse=True)
def pooled_workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Windows take their training worker from the pool (worker_pool.py), unless the test is marked
    ``fresh_worker``."""
    if request.node.get_closest_marker("fresh_worker") is None:
        monkeypatch.setattr(processes, "WORKERS", request.getfixturevalue("worker_pool"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "appdata"
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(folder))
    return folder


class Dialogs:
    """Answers the app's message boxes (ui/plain.py) the way a test asks, and records their texts: each is
    built as the app builds it, and only its ``exec`` is answered here. Every box must show its text as
    plain text (file names and messages come from files a stranger may have written)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answer = QMessageBox.StandardButton.Discard
        self.asked: list[str] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._exec(box))

    def _exec(self, box: QMessageBox) -> int:
        assert box.textFormat() == Qt.TextFormat.PlainText, f"a message box reads rich text: {box.text()!r}"
        self.asked.append(box.text())
        if box.icon() != QMessageBox.Icon.Question:
            return QMessageBox.StandardButton.Ok.value
        return self.answer.value


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def window(qtbot, data_dir: Path, dialogs: Dialogs) -> MainWindow:
    win = MainWindow()
    qtbot.addWidget(win)
    apply_palette(QApplication.instance(), win.theme)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    return win


@pytest.fixture
def spiral(tmp_path: Path) -> Path:
    target = tmp_path / "spiral.json"
    shutil.copy(PRESETS / "mlp-spiral.json", target)
    return target


def mouse(widget: QWidget, kind: QEvent.Type, pos: QPoint, button: Qt.MouseButton, buttons, modifiers=NONE) -> None:
    """A mouse event with the button state a real mouse reports (QTest's moves carry no buttons)."""
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, start: QPoint, end: QPoint, steps: int = 8, button=LEFT, modifiers=NONE) -> None:
    """Press, move with the button held, release: a real mouse drag on ``widget``."""
    mouse(widget, QEvent.Type.MouseButtonPress, start, button, button, modifiers)
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        mouse(widget, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, button, modifiers)
    mouse(widget, QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton, modifiers)


class DropAt:
    """Stands in for the windowing system's drag loop (which offscreen Qt does not run): a QDrag the
    app starts is carried to ``target`` on ``widget`` as drag-enter, drag-move and drop events."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.widget: QWidget | None = None
        self.target = QPoint()
        self.started = 0
        monkeypatch.setattr(QDrag, "exec", lambda drag, *args: self._exec(drag, *args))

    def _exec(self, drag: QDrag, *args) -> Qt.DropAction:
        self.started += 1
        data, pos = drag.mimeData(), QPointF(self.target)
        action, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
        for event in (
            QDragEnterEvent(self.target, action, data, button, NONE),
            QDragMoveEvent(self.target, action, data, button, NONE),
            QDropEvent(pos, action, data, button, NONE),
        ):
            QApplication.sendEvent(self.widget, event)
        return action


@pytest.fixture
def drop_at(monkeypatch: pytest.MonkeyPatch) -> DropAt:
    return DropAt(monkeypatch)


def view_point(window: MainWindow, scene_point: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_point)


def port_point(window: MainWindow, block_id: str, index: int, output: bool) -> QPoint:
    return view_point(window, window.scene.blocks[block_id].port_position(index, output))


def block_point(window: MainWindow, block_id: str) -> QPoint:
    item = window.scene.blocks[block_id]
    return view_point(window, item.scenePos() + QPointF(90, 50))


def click_block(qtbot, window: MainWindow, block_id: str, modifier=NONE) -> None:
    qtbot.mouseClick(window.view.viewport(), LEFT, modifier, block_point(window, block_id))
