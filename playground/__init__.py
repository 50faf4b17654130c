"""Playground: build neural networks from blocks and watch them train."""

from pathlib import Path

__version__ = "0.1.0"


def bundled(name: str) -> Path:
    """A folder shipped with Playground: inside the package once installed, at the top of the
    repository when running from a checkout (or an editable install)."""
    here = Path(__file__).resolve().parent
    inside = here / name
    return inside if inside.is_dir() else here.parent / name


PRESETS = bundled("presets")  # the lecture examples (project files)
