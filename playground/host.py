"""What this installation ships and this machine offers: the version, the shipped folders (the lecture
presets), project files named by preset id, the CPU cores this process may use. A leaf module: the
package's own ``__init__`` and every other module import it, and it imports none of theirs."""

import difflib
import os
from pathlib import Path

VERSION = "0.1.0"


def bundled(name: str) -> Path:
    """A folder shipped with Playground: inside the package once installed, at the top of the
    repository when running from a checkout (or an editable install)."""
    here = Path(__file__).resolve().parent
    inside = here / name
    return inside if inside.is_dir() else here.parent / name


PRESETS = bundled("presets")  # the lecture examples (project files)


def is_preset(path: Path) -> bool:
    """Whether ``path`` lies in the presets folder: lecture material, never written to."""
    return Path(path).resolve().is_relative_to(PRESETS.resolve())


def project_file(name: str) -> Path:
    """A project file named on the command line: a path, or the id of a lecture preset (``mlp-spiral``) or
    of a shipped assignment (``spiral-200``)."""
    path = Path(name)
    if path.exists() or "/" in name:
        return path
    return next(
        (found for found in (PRESETS / f"{name}.json", PRESETS / "assignments" / f"{name}.json") if found.is_file()),
        path,
    )


def nearest_presets(name: str) -> str:
    """For a name that is no file: the lecture presets it may have meant, as a hint ("" when none is near)."""
    if Path(name).exists():
        return ""
    ids = sorted(path.stem for path in PRESETS.glob("*.json"))
    near = difflib.get_close_matches(Path(name).stem, ids, n=3, cutoff=0.6)
    return f" (a preset? did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
