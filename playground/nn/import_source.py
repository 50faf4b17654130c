"""SOURCE for ``playground import``: ``path/to/file.py:Name`` or ``package.module:Name``, loaded as
python itself would (it runs the user's code)."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

from torch import nn


class SourceError(Exception):
    """SOURCE cannot be loaded: no such file, module or name, or its constructor failed."""


def load_source(source: str) -> nn.Module:
    """The module SOURCE names: ``path/to/file.py:Name`` or ``package.module:Name``, where Name is a
    module class with a no-argument constructor, a function returning a module, or a module."""
    where, _, name = source.rpartition(":")
    if not where or not name.isidentifier():
        raise SourceError(f"{source}: SOURCE is path/to/file.py:Name or package.module:Name")
    try:
        namespace = _load_file(Path(where)) if where.endswith(".py") else importlib.import_module(where)
    except SourceError:
        raise
    except Exception as exc:  # the user's code may raise anything while it is imported
        raise SourceError(f"{where}: cannot be imported: {type(exc).__name__}: {exc}") from None
    made = getattr(namespace, name, None)
    if made is None:
        raise SourceError(f"{where}: has no {name}")
    if not isinstance(made, nn.Module):
        try:
            made = made()
        except Exception as exc:
            raise SourceError(f"{source}: {name}() failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(made, nn.Module):
        raise SourceError(f"{source}: {name}() gave a {type(made).__name__}, not a torch.nn.Module")
    return made


def _load_file(path: Path) -> Any:
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    name = "playground_import_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceError(f"{path}: not a Python file")
    namespace = importlib.util.module_from_spec(spec)
    sys.modules[name] = namespace  # as an import does: dataclasses and inspect look their module up there
    sys.path.insert(0, str(path.parent.resolve()))  # the file's own imports of its neighbours
    try:
        spec.loader.exec_module(namespace)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        sys.path.remove(str(path.parent.resolve()))
    return namespace
