"""The package boundaries of DESIGN.md, checked in fresh interpreters."""

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
    "playground.ui.main_window": {"torch"},
}


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_importing_a_package_leaves_forbidden_ones_unloaded(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    )
    assert module.split(".")[0] in loaded
    assert not loaded & FORBIDDEN[module]
