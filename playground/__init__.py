"""Playground: build neural networks from blocks and watch them train."""

from pathlib import Path

__version__ = "0.1.0"

PRESETS = Path(__file__).resolve().parent.parent / "presets"  # the lecture examples (project files)
