"""The class's own pictures (id ``images``): a folder with one subfolder per class (``root/cat/*.jpg``,
``root/dog/*.png``), or ``train/`` and ``val/`` folders each laid out so, as torchvision's ImageFolder,
Keras and fastai read it. Images are decoded with Pillow in parallel threads (its decoders and resizing
run outside the interpreter lock), resized to a square, scaled to [0, 1] and normalised per channel with
the training images' mean and spread. The decoded pixels are kept in the app's data folder, keyed by the
files' names, sizes and modification times: a folder read before opens in a fraction of a second, a
changed one is read again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from playground.core.files import atomic_write
from playground.core.registry import ParamSpec
from playground.nn.data.base import (
    ASSETS,
    SEED,
    VAL_FRACTION,
    Data,
    DataError,
    DatasetSpec,
    generator,
    register_dataset,
)
from playground.nn.data.image_decode import SPLIT_FOLDERS, decode, list_files

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
CACHE_VERSION = 1  # raised when decoding changes, so older cached pixels are not used
CACHE_ENTRIES = 12  # folders whose pixels are kept; the least recently used goes first
MAX_VALUES = 1 << 28  # 1 GiB of float32 pixels
SHOWN_SKIPS = 3  # skipped files named in the summary line (the rest are counted)

Progress = Callable[[int, int], None]  # (images decoded, images in all)
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


@dataclass
class Decoded:
    """A folder read: the classes, every usable image with its class and split, what was left out."""

    classes: list[str]
    images: np.ndarray  # (n, size, size, channels) uint8
    labels: np.ndarray  # (n,) int64
    in_val: np.ndarray  # (n,) bool: from the val/ folder
    files: list[str]  # each image's path inside the folder
    skipped: list[str]  # "notes.txt is not an image"
    split_folders: bool


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


def _listing(folder: Path) -> tuple[list[tuple[Path, str, bool]], list[str], bool]:
    """Every file with its class and whether it is a validation image, and the skipped lines."""
    split = all((folder / name).is_dir() for name in SPLIT_FOLDERS)
    parts = [(folder / "train", False), (folder / "val", True)] if split else [(folder, False)]
    files: list[tuple[Path, str, bool]] = []
    skipped: list[str] = []
    for root, validation in parts:
        try:
            found, left_out = list_files(root)
        except OSError as exc:
            raise DataError(str(exc)) from None
        files += [(path, label, validation) for path, label in found]
        skipped += [f"{_inside(path, folder)} {why}" for path, why in left_out]
    return files, skipped, split


def _inside(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def _key(folder: Path, files: list[tuple[Path, str, bool]], size: int, fit: str, gray: bool) -> str:
    """What the decoded pixels depend on: every file's place, size and modification time, and the settings."""
    stamp = hashlib.sha256(json.dumps([CACHE_VERSION, str(folder.resolve()), size, fit, gray]).encode())
    for path, label, validation in files:
        try:
            info = path.stat()
            stamp.update(f"{path}\0{label}\0{validation}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        except OSError:
            stamp.update(f"{path}\0unreadable\n".encode())
    return stamp.hexdigest()[:32]


def _cached(key: str) -> Decoded | None:
    path = cache_folder() / f"{key}.npz"
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
        os.utime(path)  # recently used
        return decoded
    except (OSError, ValueError, KeyError, EOFError):  # not there, or damaged: read the folder again
        return None


def _keep(key: str, decoded: Decoded) -> None:
    """Store the decoded pixels for next time (and forget the least recently used beyond CACHE_ENTRIES);
    a cache that cannot be written only costs the next opening its time."""
    folder = cache_folder()
    meta = {k: getattr(decoded, k) for k in ("classes", "files", "skipped", "split_folders")}
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
    except OSError:
        pass


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def read_folder(folder: Path, size: int, fit: str, gray: bool) -> Decoded:
    """The folder's images decoded (from the cache when nothing changed), reporting progress."""
    files, skipped, split = _listing(folder)
    key = _key(folder, files, size, fit, gray)
    cached = _cached(key)
    if cached is not None:
        return cached
    progress = _READING.get()
    pixels: list[np.ndarray | str] = []
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        for done, result in enumerate(pool.map(lambda f: decode(f[0], size, fit, gray), files), start=1):
            pixels.append(result)
            if progress is not None and (done % 100 == 0 or done == len(files)):
                progress(done, len(files))
    good = [i for i, result in enumerate(pixels) if not isinstance(result, str)]
    skipped += [
        f"{_inside(files[i][0], folder)} {pixels[i]}" for i, result in enumerate(pixels) if isinstance(result, str)
    ]
    classes, skipped_classes = _classes(folder, files, good, split)
    skipped += skipped_classes
    good = [i for i in good if files[i][1] in classes]
    channels = 1 if gray else 3
    images = np.stack([pixels[i] for i in good]) if good else np.zeros((0, size, size, channels), np.uint8)
    index = {name: i for i, name in enumerate(classes)}
    decoded = Decoded(
        classes,
        images,
        np.array([index[files[i][1]] for i in good], dtype=np.int64),
        np.array([files[i][2] for i in good], dtype=bool),
        [_inside(files[i][0], folder) for i in good],
        skipped,
        split,
    )
    _keep(key, decoded)
    return decoded


def _classes(
    folder: Path, files: list[tuple[Path, str, bool]], good: list[int], split: bool
) -> tuple[list[str], list[str]]:
    """The classes that have images to learn from, and a line for each class folder left out."""
    root = folder / "train" if split else folder
    named = sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    counts = {name: 0 for name in named}
    for i in good:
        if not files[i][2]:
            counts[files[i][1]] = counts.get(files[i][1], 0) + 1
    skipped = []
    classes = []
    where = "train/" if split else ""
    for name, count in counts.items():
        if count == 0:
            skipped.append(f"{where}{name}/ holds no images: not a class")
        elif count == 1 and not split:
            skipped.append(f"{name}/ holds one image: a class needs two (one to learn from, one to check)")
        else:
            classes.append(name)
    if split:
        extra = sorted({files[i][1] for i in good if files[i][2] and files[i][1] not in classes})
        skipped += [f"val/{name}/ is not a class in train/: left out" for name in extra]
    return classes, skipped


def _split(decoded: Decoded, val_fraction: float, seed: int) -> np.ndarray:
    """Which images are for validation: the val/ folder's, or a seeded share of each class."""
    if decoded.split_folders:
        return decoded.in_val
    in_val = np.zeros(len(decoded.labels), dtype=bool)
    g = generator(seed + 7919)
    for label in range(len(decoded.classes)):
        members = np.flatnonzero(decoded.labels == label)
        order = members[torch.randperm(len(members), generator=g).numpy()]
        n_val = min(len(members) - 1, max(1, round(len(members) * val_fraction))) if val_fraction > 0 else 0
        in_val[order[:n_val]] = True
    return in_val


def summary(decoded: Decoded, folder: Path) -> str:
    """ "412 images in 3 classes (cat 140, dog 150, fox 122); 2 files skipped: notes.txt is not an image,
    broken.jpg is truncated"."""
    counts = np.bincount(decoded.labels, minlength=len(decoded.classes))
    each = ", ".join(f"{name} {count:,}" for name, count in zip(decoded.classes, counts, strict=True))
    line = f"{folder.name}: {len(decoded.labels):,} images in {len(decoded.classes)} classes ({each})"
    if decoded.skipped:
        shown = ", ".join(decoded.skipped[:SHOWN_SKIPS])
        more = f" and {len(decoded.skipped) - SHOWN_SKIPS} more" if len(decoded.skipped) > SHOWN_SKIPS else ""
        line += f"; {len(decoded.skipped)} left out: {shown}{more}"
    return line


def augmenter(mode: str) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A training batch varied at random: mirrored left-right, and with ``flip_shift`` moved by up to an
    eighth of its size (the edge pixels repeated into the gap), each image on its own draw."""
    if mode == "none":
        return None

    def vary(x: torch.Tensor) -> torch.Tensor:  # x: (N, C, H, W)
        flip = torch.rand(len(x), device=x.device) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        if mode == "flip_shift":
            moves = (torch.rand(len(x), 2, device=x.device) * 2 - 1) / 4  # up to 1/8 of the size (grid spans 2)
            theta = torch.zeros(len(x), 2, 3, device=x.device, dtype=x.dtype)
            theta[:, 0, 0] = theta[:, 1, 1] = 1.0
            theta[:, :, 2] = moves
            grid = F.affine_grid(theta, list(x.shape), align_corners=False)
            x = F.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=False)
        return x

    return vary


def _build(params: dict[str, Any], base_dir: Path | None) -> Data:
    folder = _folder(params, base_dir)
    size, gray = params["size"], params["color"] == "gray"
    channels = 1 if gray else 3
    decoded = read_folder(folder, size, params["fit"], gray)
    if len(decoded.classes) < 2:
        found = f"only {decoded.classes[0]}/" if decoded.classes else "none"
        lines = "; ".join(decoded.skipped[:SHOWN_SKIPS])
        raise DataError(
            f"{folder}: needs at least two class folders with images (found {found})" + (f": {lines}" if lines else "")
        )
    if len(decoded.labels) * channels * size * size > MAX_VALUES:
        raise DataError(
            f"{folder}: {len(decoded.labels):,} images of {size}x{size}x{channels} are more than 1 GiB as numbers: "
            "choose a smaller size or fewer images"
        )
    in_val = _split(decoded, params["val_fraction"], params["seed"])
    g = generator(params["seed"] + 104729)
    train_at, val_at = (
        torch.from_numpy(np.flatnonzero(chosen))[torch.randperm(int(chosen.sum()), generator=g)]  # classes mixed
        for chosen in (~in_val, in_val)
    )
    x = torch.from_numpy(decoded.images).permute(0, 3, 1, 2).float().div_(255.0)  # (n, C, H, W)
    y = torch.from_numpy(decoded.labels)
    mean = x[train_at].mean(dim=(0, 2, 3))
    std = x[train_at].std(dim=(0, 2, 3)).clamp_min(1e-3)
    x = (x - mean[:, None, None]) / std[:, None, None]
    info = {
        "classes": decoded.classes,
        "mean": mean.tolist(),
        "std": std.tolist(),
        "folder": str(folder),
        "val_files": [decoded.files[i] for i in val_at.tolist()],
        "skipped": decoded.skipped,
    }
    return Data(
        "images",
        "classification",
        {"x": x[train_at], "y": y[train_at]},
        {"x": x[val_at], "y": y[val_at]},
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
