"""``python -m playground.resave_presets``: every shipped preset and assignment re-saved in the current
file format. Run it once after a format change (a new version and its migration, core/migrations.py):
the byte-for-byte round-trip test (tests/core/test_project.py) fails, naming this command, until then."""

from __future__ import annotations

import sys
from typing import TextIO

from playground.core.project import load
from playground.core.project_write import dumps
from playground.host import PRESETS


def resave(out: TextIO) -> int:
    """Re-save each preset whose file is not what saving it now writes; say which ones were."""
    changed = 0
    for path in sorted(PRESETS.rglob("*.json")):
        text = dumps(load(path))
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
            print(f"re-saved {path.relative_to(PRESETS.parent)}", file=out)
    print(f"{changed} of the presets re-saved", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(resave(sys.stdout))
