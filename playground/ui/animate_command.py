"""``playground animate``'s drawing (cli_animate.py checks its arguments): the app's own window, offscreen
on a screen of the size asked, opens the run's project and the run, and an Animation grabs the chosen view
at each step. The user's settings, recent files and autosaves are neither read nor written."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from playground.core.project_types import Project

EXIT_OK, EXIT_NOT_SHOWN, EXIT_UNREADABLE = 0, 1, 2
PLATFORM_NOISE = {"This plugin does not support propagateSizeHints()"}  # the offscreen platform's, harmless


def offscreen_screen(folder: Path, size: tuple[int, int]) -> str:
    """The platform that draws without a display, on one screen of ``size`` (a projector's, by default)."""
    width, height = size
    screen = {"name": "animation", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [screen | {"logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return f"offscreen:configfile={config}"


@dataclass(frozen=True)
class Request:
    """What ``playground animate`` was asked to draw (cli_animate.py has checked it)."""

    project: Project
    project_file: Path | None  # the file the run's project was read from: its data is found from there
    run: Path
    view: str
    steps: list[int]
    output: Path
    fps: float
    size: tuple[int, int]


def animate(request: Request, out: TextIO, err: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="playground-animate-") as scratch:
        os.environ["QT_QPA_PLATFORM"] = offscreen_screen(Path(scratch), request.size)
        os.environ["PLAYGROUND_DATA_DIR"] = str(Path(scratch) / "data")
        return _draw(request, out, err)


def _draw(request: Request, out: TextIO, err: TextIO) -> int:
    """animate's drawing, once the platform and the data folder are chosen."""
    run, view, steps, output = request.run, request.view, request.steps, request.output
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from playground.runtime.messages import Recorded, Stopped
    from playground.ui.animation import Animation, grabber
    from playground.ui.main_window import MainWindow
    from playground.ui.theme import application, apply_palette

    qInstallMessageHandler(lambda _, __, text: None if text in PLATFORM_NOISE else print(text, file=err))
    app = QApplication.instance() or QApplication(["playground"])
    window = MainWindow()
    apply_palette(application(), window.theme)
    window.setGeometry(0, 0, *request.size)
    window.show()
    window.document.open_project(request.project, request.project_file)
    if view == "stage":
        window.presenter.present()
    ended: list[tuple[int, str]] = []

    def end(code: int, why: str) -> None:
        if not ended:
            ended.append((code, why))
            app.quit()

    animation = Animation(window.training.curves.timeline, grabber(window, view), steps, output, request.fps, window)
    animation.finished.connect(
        lambda why: end(EXIT_OK if not why else EXIT_NOT_SHOWN if animation.not_shown else EXIT_UNREADABLE, why)
    )

    def recorded(message: Recorded) -> None:
        if message.run == window.session.run and not animation.running:
            window.session.recorded.disconnect(recorded)
            animation.start()

    def stopped(message: Stopped) -> None:
        if message.kind in ("error", "failed", "died"):
            end(EXIT_UNREADABLE, message.message or f"{run}: the run could not be opened")

    window.session.recorded.connect(recorded)
    window.session.stopped.connect(stopped)
    window.training.open_run(run)
    print(f"drawing {len(steps):,} frames of '{view}', steps {steps[0]:,} to {steps[-1]:,}", file=err, flush=True)
    app.exec()
    window.session.shutdown()
    code, why = ended[0] if ended else (EXIT_UNREADABLE, "stopped before the animation was written")
    if code != EXIT_OK:
        print(why, file=err)
        return code
    print(f"wrote {len(steps):,} frames (steps {steps[0]:,} to {steps[-1]:,}) to {output}", file=out)
    return EXIT_OK
