"""Playground: build neural networks from blocks and watch them train."""

from playground.host import VERSION as __version__

__all__ = ["__version__", "load", "show", "to_project"]
FROM_PYTHON = ("show", "to_project", "load")  # playground.show(model, x): see playground/nn/notebook.py


def __getattr__(name: str):
    """``playground.show``, ``to_project`` and ``load``, imported (with torch) only when first used."""
    if name in FROM_PYTHON:
        from playground.nn import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'playground' has no attribute {name!r}")
