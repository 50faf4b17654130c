"""Writing files safely: atomically, and with the permissions the user expects."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(target: Path) -> int:
    """The mode ``target`` should have: its own if it exists, else what ``open()`` would give it."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` fill a temporary file beside ``target``, flush it to disk and rename it over ``target``:
    a crash leaves either the old file or the new one, never half of one. The temporary file (which
    mkstemp makes private) is given ``target``'s mode, or the umask's for a new file, before the rename."""
    mode = new_file_mode(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # a file system without modes (FAT, some network shares)
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


WEIGHTS_SUFFIX = ".weights.safetensors"  # a project's trained weights, beside it: <stem>.weights.safetensors
TRAINER_SUFFIX = ".trainer.safetensors"  # ... and its trainer state (optimiser, random state, history)


def weights_files(stem: Path) -> tuple[Path, Path]:
    """The trained weights and trainer state saved for the project ``stem`` (its path without .json)."""
    return stem.with_name(stem.name + WEIGHTS_SUFFIX), stem.with_name(stem.name + TRAINER_SUFFIX)
