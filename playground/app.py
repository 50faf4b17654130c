"""Composition root: ``playground`` with a command runs the headless CLI; without one it opens a project.

The desktop window arrives with the canvas issue; until then opening a project
prints its summary (the default is the ``mlp-spiral`` preset).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from playground import cli

PRESETS = Path(__file__).resolve().parent.parent / "presets"
DEFAULT_PRESET = PRESETS / "mlp-spiral.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and (args[0] in cli.COMMANDS or args[0].startswith("-")):
        return cli.main(args)
    target = args[0] if args else str(DEFAULT_PRESET)
    print("Playground's desktop window is not built yet; here is the project it would open.\n")
    return cli.main(["summary", target])
