"""The package boundaries of docs/architecture.md (its Boundaries table), checked in fresh interpreters."""

import json
import subprocess
import sys

import pytest

FORBIDDEN = {
    "playground.core": {"torch", "PySide6", "pyqtgraph"},
    "playground.core.project": {"torch", "PySide6", "pyqtgraph"},
    "playground.nn.compile": {"PySide6", "pyqtgraph"},
    "playground.nn.export": {"PySide6", "pyqtgraph"},
    "playground.cli": {"torch", "PySide6", "pyqtgraph"},
    "playground.runtime.session": {"torch", "playground.nn", "PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph"},
    "playground.runtime.protocol": {"torch", "playground.nn", "PySide6", "pyqtgraph"},
    "playground.nn.live.worker": {"PySide6", "pyqtgraph"},
    "playground.ui.main_window": {"torch", "playground.nn"},
}


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_importing_a_package_leaves_forbidden_ones_unloaded(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    )
    assert module in loaded
    found = {m for m in loaded for f in FORBIDDEN[module] if m == f or m.startswith(f + ".")}
    assert not found
