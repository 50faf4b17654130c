"""Screenshots of presets as a projector shows them (run by test_stage.py in a process of its own, on a
screen of the size asked for): each preset opened, trained a few steps, F5 pressed, the window grabbed;
Esc pressed, the window grabbed again. What the test needs besides the pictures (where the network and
each view were drawn, the block titles) goes to a JSON file beside them.

Usage: python -m tests.stage.shoot OUT_DIR PRESET... (the screen: QT_QPA_PLATFORM=offscreen:configfile=...)"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PRESETS = Path(__file__).resolve().parents[2] / "presets"
SETTLE_S = 1.5  # for the docks and views to take their sizes after a key


def _rect(widget, window) -> list[int]:
    from PySide6.QtCore import QPoint

    corner = widget.mapTo(window, QPoint(0, 0))
    return [corner.x(), corner.y(), widget.width(), widget.height()]


def _wait(app, seconds: float, until=lambda: False) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        app.processEvents()
        time.sleep(0.02)


def _headers(window) -> dict[str, list[int]]:
    """Where each top-level block's header (its title) is drawn on the canvas, in the window, for the
    blocks whose header is wholly in view."""
    from PySide6.QtCore import QRectF

    from playground.ui.canvas.items import HEADER, WIDTH

    view, found = window.view, {}
    shown = view.viewport().rect()
    for block_id, item in window.scene.blocks.items():
        header = view.mapFromScene(item.mapRectToScene(QRectF(0, 0, WIDTH, HEADER))).boundingRect()
        if shown.contains(header):
            corner = view.viewport().mapTo(window, header.topLeft())
            found[block_id] = [corner.x(), corner.y(), header.width(), header.height()]
    return found


def shoot(app, window, preset: str, out: Path) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    assert window.files.open_path(PRESETS / f"{preset}.json")
    window.showMaximized()
    _wait(app, 60, lambda: window.session.state == "ready")
    window.act_step.trigger()  # one step: every view the run fills is drawn
    _wait(app, 30, lambda: window.training.last_progress is not None)
    _wait(app, SETTLE_S)  # the canvas fitted to the network in the maximised window
    canvas = window.view
    canvas.setFocus()
    before = (canvas.zoom(), canvas.mapToScene(canvas.viewport().rect().center()))
    QTest.keyClick(canvas, Qt.Key.Key_F5)
    _wait(app, SETTLE_S)
    if window.document.project.stage.follow:
        _wait(app, 30, window.training.views.lecture_view.isVisible)
        _wait(app, SETTLE_S)
    window.grab().save(str(out / f"{preset}_present.png"))
    training = window.training
    views = [
        w for w in window.training.views.findChildren(QWidget) if w.isVisible() and w.objectName().endswith("View")
    ]
    network = window.stage_network.mapTo(window, window.stage_network.rect().topLeft())
    record = {
        "preset": preset,
        "titles": {card.block_id: card.title for column in window.stage_network.columns for card in column},
        "network": _rect(window.stage_network, window),
        "title_px": window.stage_network.title_px(),
        "cards": {
            block_id: [round(v) for v in (rect.x() + network.x(), rect.y() + network.y(), rect.width(), rect.height())]
            for block_id, rect in window.stage_network.rects.items()
        },
        "training": _rect(training, window),
        "views": {w.objectName() or type(w).__name__: _rect(w, window) for w in views},
        "curves": _rect(training.curves, window) if training.curves.isVisible() else None,
        "follows": window.document.project.stage.follow,
        "lecture": window.training.views.lecture_view.isVisible(),
    }
    QTest.keyClick(window.stage_network, Qt.Key.Key_Escape)
    _wait(app, SETTLE_S * 2)
    window.grab().save(str(out / f"{preset}_after.png"))
    after = (canvas.zoom(), canvas.mapToScene(canvas.viewport().rect().center()))
    record["canvas"] = _rect(canvas.viewport(), window)
    record["headers"] = _headers(window)
    moved_px = (after[1] - before[1]).manhattanLength() * after[0]
    record["canvas_back"] = abs(after[0] - before[0]) < 1e-6 and moved_px <= 3  # scroll bars move whole pixels
    window.session.unload()
    return record


def main() -> None:
    out, presets = Path(sys.argv[1]), sys.argv[2:]
    from PySide6.QtWidgets import QApplication

    from playground.app import start_window

    app = QApplication([])
    app.setApplicationName("Playground")
    window = start_window(PRESETS / f"{presets[0]}.json")
    records = [shoot(app, window, preset, out) for preset in presets]
    (out / "stage.json").write_text(json.dumps(records, indent=1))
    window.session.shutdown()


if __name__ == "__main__":
    main()
