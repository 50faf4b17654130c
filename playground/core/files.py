"""Writing files safely: atomically, and with the permissions the user expects."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from playground.core.machine import size_text


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
    mkstemp makes private) is given ``target``'s mode, or the umask's for a new file, before the rename.
    A failed write (a full disk, a read-only folder) leaves ``target`` as it was."""
    atomic_write_all([(target, write)])


def atomic_write_all(
    files: list[tuple[Path, Callable[[Path], object]]], before_renames: Callable[[], None] | None = None
) -> None:
    """``atomic_write`` for files that belong together (weights and their trainer state): every one is
    written and flushed to a temporary file first, and only when all are whole (and ``before_renames``
    has run) are they renamed over their targets, so a full disk or an error leaves every target as it
    was. (A kill between the renames can still leave an old and a new one: readers check that a pair
    belongs together, and the checkpoint keeps the pair saved before until both are renamed.)"""
    written: list[tuple[Path, Path]] = []
    try:
        for target, write in files:
            mode = new_file_mode(target)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            tmp = Path(name)
            written.append((tmp, target))
            write(tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            with contextlib.suppress(OSError):  # a file system without modes (FAT, some network shares)
                os.chmod(tmp, mode)
        if before_renames is not None:
            before_renames()
        for tmp, target in written:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise


class NotAFileError(OSError):
    """A path that is not a regular file: a FIFO, a device such as /dev/zero, or a link to one."""


class TooLargeError(OSError):
    """A file larger than what is read of its kind."""


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most ``limit`` of them: a FIFO, a device or a link to one is refused
    before it is opened (reading one would hang or never end), and so is a file that grows past ``limit``
    while it is read. Raises OSError (NotAFileError for these)."""
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise NotAFileError(0, "is not a regular file (a pipe, a device or a link to one)", str(path))
    if info.st_size > limit:
        raise TooLargeError(0, f"is larger than {size_text(limit)}", str(path))
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise TooLargeError(0, f"is larger than {size_text(limit)}", str(path))
    return raw


WEIGHTS_SUFFIX = ".weights.safetensors"  # a project's trained weights, beside it: <stem>.weights.safetensors
TRAINER_SUFFIX = ".trainer.safetensors"  # ... and its trainer state (optimiser, random state, history)


def weights_files(stem: Path) -> tuple[Path, Path]:
    """The trained weights and trainer state saved for the project ``stem`` (its path without .json)."""
    return stem.with_name(stem.name + WEIGHTS_SUFFIX), stem.with_name(stem.name + TRAINER_SUFFIX)
