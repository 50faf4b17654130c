"""Composition root: ``playground`` with a command runs the headless CLI; otherwise the desktop app
opens the given project file, or the ``mlp-spiral`` preset."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from playground import cli
from playground.host import PRESETS, project_file

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

DEFAULT_PRESET = PRESETS / "mlp-spiral.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and (args[0] in cli.COMMANDS or args[0].startswith("-")):
        return cli.main(args)
    parser = argparse.ArgumentParser(
        prog="playground", description="open FILE in the app (the mlp-spiral preset without)"
    )
    parser.add_argument("file", nargs="?", metavar="FILE")
    parser.add_argument("--run", type=Path, metavar="DIR", help="open the run recorded in DIR (train --record)")
    opened = parser.parse_args(args)
    return run_app(project_file(opened.file) if opened.file else None, opened.run)


def run_app(path: Path | None, recorded: Path | None = None) -> int:
    from playground.display import display_problem

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Playground")
    app.setOrganizationName("Playground")
    window = start_window(path, recorded)
    if window is None:
        return 1
    return app.exec()


def start_window(path: Path | None, recorded: Path | None = None) -> MainWindow | None:
    """Show the main window with, in order of preference: work recovered after a crash, ``path``,
    or the default preset; with ``recorded``, the run recorded in that folder. None when ``path`` cannot
    be opened (the user has been told why). The very first start also shows the preset gallery over the
    default preset, as a start page."""
    from playground.ui.main_window import MainWindow
    from playground.ui.theme import application, apply_palette
    from playground.ui.window_files import recent_files

    first_start = not recent_files()
    window = MainWindow()
    apply_palette(application(), window.theme)
    window.show()
    gc.freeze()  # torch, Qt and the window live as long as the app: no collection need walk them again
    if window.files.offer_recovery():
        return window
    target = path or (DEFAULT_PRESET if DEFAULT_PRESET.exists() else None)
    if target is not None and not window.files.open_path(target) and path is not None:
        window.close()
        return None
    if recorded is not None:
        window.training.open_run(recorded)
    if first_start and path is None:
        window.files.open_preset_dialog()
    return window
