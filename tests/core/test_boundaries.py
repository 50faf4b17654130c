"""The package boundaries of docs/architecture.md (its Boundaries table), checked in fresh interpreters."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import networkx
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


def test_no_module_imports_one_that_imports_it_back() -> None:
    """No import circles in the house: the modules' imports form no cycle, counting every import: at the
    top, for type checking only (``if TYPE_CHECKING:``), and inside functions (there to stay light: the
    CLI without torch until a command needs it, the package's notebook API)."""
    root = Path(__file__).resolve().parents[2]
    graph = networkx.DiGraph()
    for path in (root / "playground").rglob("*.py"):
        name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("playground"):
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    as_module = root.joinpath(*whole.split("."))
                    graph.add_edge(
                        name, whole if as_module.is_dir() or as_module.with_suffix(".py").is_file() else node.module
                    )
    assert [cycle for cycle in networkx.simple_cycles(graph) if len(cycle) > 1] == []


def test_no_module_grows_past_400_lines() -> None:
    """A file past about 400 lines is split along a line a newcomer would draw (CONTRIBUTING.md)."""
    root = Path(__file__).resolve().parents[2]
    long = {
        str(p.relative_to(root)): n
        for p in (root / "playground").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}
