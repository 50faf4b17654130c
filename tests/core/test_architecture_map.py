"""docs/architecture.md maps every module of the package: a newcomer finds each file there. A module
added without its line fails here (the block and task families are named in their folder's line)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
FAMILIES = ("blocks", "tasks")  # one module per block family or recipe: named by stem in the folder's line


def _named(module: Path) -> bool:
    if module.name in MAP:
        return True
    folder = module.parent.name
    if folder not in FAMILIES:
        return False
    entries = [m.end() for m in re.finditer(rf"^\s+{folder}/", MAP, re.MULTILINE)]
    return any(re.search(rf"\b{module.stem}\b", MAP[start : start + 600]) for start in entries)


def test_every_module_has_its_line_in_the_architecture_map() -> None:
    modules = [p for p in sorted((ROOT / "playground").rglob("*.py")) if p.name != "__init__.py"]
    assert len(modules) > 100
    missing = [str(p.relative_to(ROOT)) for p in modules if not _named(p)]
    assert missing == [], "docs/architecture.md does not name: " + ", ".join(missing)
