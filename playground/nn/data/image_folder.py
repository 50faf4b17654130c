"""The class's own pictures (id ``images``): a folder with one subfolder per class (``root/cat/*.jpg``,
``root/dog/*.png``), or ``train/`` and ``val/`` folders each laid out so, as torchvision's ImageFolder,
Keras and fastai read it; read by image_reader.py. The decoded pixels are kept in the app's data folder,
keyed by the files' names, sizes and modification times: a folder read before opens in a fraction of a
second, a changed one is read again. While a folder is decoded, progress goes to whoever asked
(``reading``): the window's status line, the command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np

from playground.core.files import atomic_write
from playground.core.registry import ParamSpec
from playground.nn.data.base import ASSETS, SEED, VAL_FRACTION, Data, DataError, DatasetSpec, register_dataset
from playground.nn.data.image_reader import Decoded, Found, Progress, augmenter, decode_all, listing, splits

FOLDER = ParamSpec(
    "folder",
    "folder",
    "",
    "The image folder (one subfolder per class), relative to the project file (or one shipped with Playground)",
)
SIZE = ParamSpec("size", "int", 32, "Width and height the images are resized to, in pixels", min=8, max=128)
FIT = ParamSpec(
    "fit",
    "choice",
    "crop",
    "How an image becomes square: its centre cropped, or the whole image padded with black",
    choices=("crop", "pad"),
)
COLOR = ParamSpec("color", "choice", "rgb", "Colour (3 channels) or grey (1 channel)", choices=("rgb", "gray"))
AUGMENT = ParamSpec(
    "augment",
    "choice",
    "none",
    "Vary the training images at every step: mirrored left-right (flip), and moved by up to an eighth of "
    "their size (flip_shift); validation images stay as they are",
    choices=("none", "flip", "flip_shift"),
)
SHIPPED_FOLDER = "shapes-folder"  # in assets/datasets: the cnn-images preset's pictures
CACHE_VERSION = 2  # raised when decoding or the cache's parts change, so older cached pixels are not used
CACHE_ENTRIES = 12  # folders whose pixels are kept; the least recently used goes first
MAX_VALUES = 1 << 28  # 1 GiB of float32 pixels
PARTIAL_AGE = 3600.0  # seconds after which a cache file still being written was left by a killed process
SHOWN_SKIPS = 3  # skipped files named in the summary line (the rest are counted)

_READING: ContextVar[Progress | None] = ContextVar("reading", default=None)


@contextmanager
def reading(progress: Progress) -> Iterator[None]:
    """While inside, an image folder being decoded reports (done, total) to ``progress``."""
    token = _READING.set(progress)
    try:
        yield
    finally:
        _READING.reset(token)


def cache_folder() -> Path:
    """Where decoded folders are kept: the app's data folder (``PLAYGROUND_DATA_DIR`` when set)."""
    override = os.environ.get("PLAYGROUND_DATA_DIR")
    if override:
        return Path(override) / "image-cache"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "Playground" / "image-cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "Playground" / "images"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "playground" / "images"


def _folder(params: dict[str, Any], base_dir: Path | None) -> Path:
    if not params["folder"]:
        raise DataError("no image folder is set: give the dataset a folder (one subfolder per class)")
    given = Path(params["folder"]).expanduser()
    folder = given if given.is_absolute() or base_dir is None else base_dir / given
    if not folder.exists() and not given.is_absolute() and (ASSETS / given).is_dir():
        folder = ASSETS / given  # a folder that ships with Playground (the cnn-images preset's)
    if not folder.exists():
        raise DataError(f"{folder}: there is no such folder")
    if not folder.is_dir():
        raise DataError(f"{folder}: is a file, not a folder of images")
    return folder


def _key(folder: Path, found: Found, size: int, fit: str, gray: bool) -> str:
    """What the decoded pixels depend on: every file's place, size and modification time, the empty class
    folders, and the settings."""
    stamp = hashlib.sha256(json.dumps([CACHE_VERSION, str(folder.resolve()), size, fit, gray, found.folders]).encode())
    for path, label, validation in found.files:
        try:
            info = path.stat()
            stamp.update(f"{path}\0{label}\0{validation}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        except OSError:
            stamp.update(f"{path}\0unreadable\n".encode())
    return stamp.hexdigest()[:32]


def _cached(key: str, size: int, gray: bool) -> Decoded | None:
    """The pixels kept for ``key``, or None: not there, or damaged (a cache file from another program,
    cut short, or with parts that do not fit together), which is removed and read again."""
    path = cache_folder() / f"{key}.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(archive["meta"].tobytes().decode())
            decoded = Decoded(
                meta["classes"],
                archive["images"],
                archive["labels"],
                archive["in_val"],
                meta["files"],
                meta["skipped"],
                meta["split_folders"],
            )
        _check(decoded, size, 1 if gray else 3)
        os.utime(path)  # recently used
        return decoded
    except (OSError, ValueError, KeyError, EOFError, TypeError, AttributeError, zipfile.BadZipFile):
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _check(decoded: Decoded, size: int, channels: int) -> None:
    """ValueError unless every part of a cached folder has the type and shape ``decode_all`` gives it."""
    n = len(decoded.labels)
    arrays = (
        (decoded.images, np.uint8, (n, size, size, channels)),
        (decoded.labels, np.int64, (n,)),
        (decoded.in_val, np.bool_, (n,)),
    )
    if any(array.dtype != dtype or array.shape != shape for array, dtype, shape in arrays):
        raise ValueError("arrays of other types or shapes")
    texts = (decoded.classes, decoded.files, decoded.skipped)
    if not all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in texts):
        raise ValueError("names that are not text")
    if len(decoded.files) != n or not isinstance(decoded.split_folders, bool):
        raise ValueError("parts that do not fit together")
    if n and (decoded.labels.min() < 0 or decoded.labels.max() >= len(decoded.classes)):
        raise ValueError("labels outside the classes")


def _keep(key: str, decoded: Decoded, listed: int) -> None:
    """Store the decoded pixels for next time (and forget the least recently used beyond CACHE_ENTRIES);
    a cache that cannot be written only costs the next opening its time. What the listing left out (its
    first ``listed`` lines) is not kept: the key does not cover it, so it is listed afresh each time."""
    folder = cache_folder()
    meta = {k: getattr(decoded, k) for k in ("classes", "files", "split_folders")} | {
        "skipped": decoded.skipped[listed:]
    }
    arrays = {
        "images": decoded.images,
        "labels": decoded.labels,
        "in_val": decoded.in_val,
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / f"{key}.npz", lambda tmp: _savez(tmp, arrays))
        kept = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[CACHE_ENTRIES:]:
            old.unlink(missing_ok=True)
        for partial in folder.glob(".*.tmp"):  # left by a process killed while writing (one writing now is younger)
            if time.time() - partial.stat().st_mtime > PARTIAL_AGE:
                partial.unlink(missing_ok=True)
    except OSError:
        pass


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]  # its stub takes **arrays for allow_pickle


def read_folder(folder: Path, size: int, fit: str, gray: bool) -> Decoded:
    """The folder's images decoded (from the cache when nothing changed), reporting progress."""
    try:
        found = listing(folder)
    except OSError as exc:
        raise DataError(str(exc)) from None
    _refuse_too_many(folder, len(found.files), size, 1 if gray else 3)  # before decoding a single one
    key = _key(folder, found, size, fit, gray)
    cached = _cached(key, size, gray)
    if cached is not None:  # what the listing left out now (a loose file since removed is not named)
        return dataclasses.replace(cached, skipped=found.skipped + cached.skipped)
    decoded = decode_all(folder, found, size, fit, gray, _READING.get())
    _keep(key, decoded, len(found.skipped))
    return decoded


def _refuse_too_many(folder: Path, count: int, size: int, channels: int) -> None:
    if count * channels * size * size > MAX_VALUES:
        raise DataError(
            f"{folder}: {count:,} files of {size}x{size}x{channels} would be more than 1 GiB as numbers: "
            "choose a smaller size or fewer images"
        )


def summary(decoded: Decoded, folder: Path) -> str:
    """ "photos: 412 images in 3 classes (cat 140, dog 150, fox 122); 2 left out: notes.txt is not an
    image, broken.jpg is truncated (...)"."""
    counts = np.bincount(decoded.labels, minlength=len(decoded.classes))
    each = ", ".join(f"{name} {count:,}" for name, count in zip(decoded.classes, counts, strict=True))
    line = f"{folder.name}: {len(decoded.labels):,} images in {len(decoded.classes)} classes ({each})"
    if decoded.skipped:
        shown = ", ".join(decoded.skipped[:SHOWN_SKIPS])
        more = f" and {len(decoded.skipped) - SHOWN_SKIPS} more" if len(decoded.skipped) > SHOWN_SKIPS else ""
        line += f"; {len(decoded.skipped)} left out: {shown}{more}"
    return line


def _build(params: dict[str, Any], base_dir: Path | None) -> Data:
    folder = _folder(params, base_dir)
    size, gray = params["size"], params["color"] == "gray"
    decoded = read_folder(folder, size, params["fit"], gray)
    if len(decoded.classes) < 2:
        found = f"only {decoded.classes[0]}/" if decoded.classes else "none"
        lines = "; ".join(decoded.skipped[:SHOWN_SKIPS])
        raise DataError(
            f"{folder}: needs at least two class folders with images (found {found})" + (f": {lines}" if lines else "")
        )
    train, val, decided = splits(decoded, params["val_fraction"], params["seed"])
    info = {"folder": str(folder), "skipped": decoded.skipped, **decided}
    return Data(
        "images",
        "classification",
        train,
        val,
        num_classes=len(decoded.classes),
        vocab=decoded.classes,
        info=info,
        note=summary(decoded, folder),
        augment=augmenter(params["augment"]),
    )


register_dataset(
    DatasetSpec(
        id="images",
        title="Image folder",
        description="Your own pictures: a folder with one subfolder of images per class (or train/ and val/ "
        "folders each laid out so), resized to a square.",
        kind="classification",
        build=_build,
        params=(FOLDER, SIZE, FIT, COLOR, AUGMENT, VAL_FRACTION, SEED),
    )
)
