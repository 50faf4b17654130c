"""An image folder read into tensors with Pillow, NumPy and torch alone (no other Playground module): the
files of each class, every image decoded to a small square (in threads: Pillow's decoders and resizing
run outside the interpreter lock), the classes that have images to learn from, the validation share,
the normalisation, and the augmentation of training batches. Playground's ``images`` dataset reads
folders with it (image_folder.py adds the cache and the registry), and the training script it exports
carries this very file as ``images.py``, so ``python train.py`` reads the same pixels.

Every file that cannot be used gives a reason, one line, never an exception: a file that is not an
image, a truncated or damaged one, one over Pillow's pixel limit (a decompression bomb), one that
cannot be read (permissions), a folder that links back into itself."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

SPLIT_FOLDERS = ("train", "val")  # root/train/<class>/..., root/val/<class>/...
SPLIT_SEED, ORDER_SEED = 7919, 104729  # added to the seed: which images are for validation, their order
SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# Images over Pillow's limit are refused below, with their size: its warning would only repeat that.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def list_files(
    folder: Path, within: Path | None = None
) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]], list[str]]:
    """Every file under ``folder``'s class subfolders as (path, class name), sorted, what was left out
    as (path, reason), and the class folders' names (empty ones too). Subfolders of a class folder
    belong to it; links are followed while they stay inside ``within`` (``folder`` itself unless given),
    once (a link back into the folder is a loop, left out); a link that leaves it, or loops on itself, is
    left out and named; hidden files (.DS_Store) are not looked at."""
    found: list[tuple[Path, str]] = []
    skipped: list[tuple[Path, str]] = []
    folders: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
        seen = {_identity(folder)}
    except OSError as exc:
        raise OSError(f"{folder}: cannot be read ({exc.strerror or exc})") from None
    walk = _Walk(Path(os.path.realpath(within or folder)), found, skipped, seen)
    for entry in entries:
        if entry.name.startswith(".") or not walk.stays(entry):
            continue
        path = Path(entry.path)
        if _is_dir(entry):
            folders.append(entry.name)
            walk.folder(path, entry.name)
        else:
            skipped.append((path, "is not inside a class folder"))
    return found, skipped, folders


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:  # a link that loops on itself
        return False


@dataclass
class _Walk:
    """One listing's walk through the class folders: ``root`` the chosen folder (real path), what was
    found and left out, and the folders already read (by device and inode)."""

    root: Path
    found: list[tuple[Path, str]]
    skipped: list[tuple[Path, str]]
    seen: set[tuple[int, int]]

    def stays(self, entry: os.DirEntry) -> bool:
        """Whether ``entry`` is inside the chosen folder: a link out of it (a class folder linking to /usr)
        is left out, with where it leads."""
        if not entry.is_symlink():
            return True
        target = Path(os.path.realpath(entry.path))
        if target == self.root or self.root in target.parents:
            return True
        self.skipped.append((Path(entry.path), f"links outside the folder (to {target}), left out"))
        return False

    def folder(self, folder: Path, label: str) -> None:
        try:
            identity = _identity(folder)
            if identity in self.seen:
                self.skipped.append((folder, "links back to a folder already read (a loop)"))
                return
            self.seen.add(identity)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append((folder, f"cannot be read ({exc.strerror or exc})"))
            return
        for entry in entries:
            if entry.name.startswith(".") or not self.stays(entry):
                continue
            path = Path(entry.path)
            if _is_dir(entry):
                self.folder(path, label)
            elif _is_file(entry):
                self.found.append((path, label))
            else:
                self.skipped.append((path, "is not a regular file (a broken or looping link, a device or a pipe)"))


def decode(path: Path, size: int, fit: str, gray: bool) -> np.ndarray | str:
    """The image at ``path`` as a (size, size, channels) uint8 array, cropped to the centre square
    (``fit`` "crop") or padded with black to a square (``fit`` "pad"), turned by its EXIF orientation;
    transparent parts over white; 16-bit values scaled to 8; CMYK and palettes as RGB. Or, when it
    cannot be used, the reason (one line)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if Image.MAX_IMAGE_PIXELS is not None and width * height > Image.MAX_IMAGE_PIXELS:
                return (
                    f"is {width}x{height} pixels, over Pillow's limit of {Image.MAX_IMAGE_PIXELS:,} "
                    "(a decompression bomb?)"
                )
            image.draft("L" if gray else "RGB", (size, size))  # JPEG: decoded at 1/2 to 1/8 scale, fast
            picture = _plain(ImageOps.exif_transpose(image), gray)
    except Image.DecompressionBombError:
        return f"is over twice Pillow's limit of {Image.MAX_IMAGE_PIXELS:,} pixels (a decompression bomb?)"
    except UnidentifiedImageError:
        return "is not an image"
    except PermissionError:
        return "cannot be read (permission denied)"
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # what Pillow's decoders raise on nonsense
        if "truncated" in str(exc).lower():
            return "is truncated (the file ends before the image does)"
        return f"is a damaged image ({getattr(exc, 'strerror', None) or exc})"
    method = Image.Resampling.BILINEAR
    if fit == "pad":
        square = ImageOps.pad(picture, (size, size), method, color=0)
    else:
        square = ImageOps.fit(picture, (size, size), method)
    pixels = np.asarray(square, dtype=np.uint8)
    return pixels[:, :, None] if pixels.ndim == 2 else pixels


def _plain(image: Image.Image, gray: bool) -> Image.Image:
    """``image`` loaded as 8-bit L or RGB."""
    image.load()
    if image.mode in SIXTEEN_BIT or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode != "F" and values.max() > 255 else 255.0
        image = Image.fromarray(np.clip(values * (255.0 / top), 0, 255).round().astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("L" if gray else "RGB")


Progress = Callable[[int, int], None]  # (images decoded, images in all)


@dataclass
class Found:
    """A folder's files before decoding."""

    files: list[tuple[Path, str, bool]]  # every file with its class and whether it is a validation image
    skipped: list[str]  # "readme.md is not inside a class folder"
    split: bool  # laid out as train/ and val/
    folders: list[str]  # the class folders (of train/ when split), empty ones too


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


def listing(folder: Path) -> Found:
    """The folder's files, as one folder of class folders or as train/ and val/. Raises OSError when
    ``folder`` cannot be read."""
    split = all((folder / name).is_dir() for name in SPLIT_FOLDERS)
    parts = [(folder / "train", False), (folder / "val", True)] if split else [(folder, False)]
    found = Found([], [], split, [])
    for root, validation in parts:
        files, left_out, folders = list_files(root, folder)
        found.files += [(path, label, validation) for path, label in files]
        found.skipped += [f"{inside(path, folder)} {why}" for path, why in left_out]
        found.folders += [] if validation else folders
    return found


def inside(path: Path, folder: Path) -> str:
    """``path`` as a place inside ``folder`` ("cat/01.jpg")."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def decode_all(
    folder: Path, found: Found, size: int, fit: str, gray: bool, progress: Progress | None = None
) -> Decoded:
    """The files ``listing(folder)`` found, decoded in threads, reporting (done, total) every 100 images."""
    files = found.files
    pixels: list[np.ndarray | str] = []
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        for done, result in enumerate(pool.map(lambda f: decode(f[0], size, fit, gray), files), start=1):
            pixels.append(result)
            if progress is not None and (done % 100 == 0 or done == len(files)):
                progress(done, len(files))
    good = [i for i, result in enumerate(pixels) if not isinstance(result, str)]
    skipped = found.skipped + [
        f"{inside(files[i][0], folder)} {why}" for i, why in enumerate(pixels) if isinstance(why, str)
    ]
    classes, left_out = _classes(found, good)
    good = [i for i in good if files[i][1] in classes]
    channels = 1 if gray else 3
    images = np.stack([pixels[i] for i in good]) if good else np.zeros((0, size, size, channels), np.uint8)
    index = {name: i for i, name in enumerate(classes)}
    return Decoded(
        classes,
        images,
        np.array([index[files[i][1]] for i in good], dtype=np.int64),
        np.array([files[i][2] for i in good], dtype=bool),
        [inside(files[i][0], folder) for i in good],
        skipped + left_out,
        found.split,
    )


def _classes(found: Found, good: list[int]) -> tuple[list[str], list[str]]:
    """The class folders that have images to learn from, and a line for each one left out."""
    counts = dict.fromkeys(found.folders, 0)
    for i in good:
        _, label, validation = found.files[i]
        if not validation:
            counts[label] += 1
    skipped, classes = [], []
    where = "train/" if found.split else ""
    for name, count in counts.items():
        if count == 0:
            skipped.append(f"{where}{name}/ holds no images: not a class")
        elif count == 1 and not found.split:
            skipped.append(f"{name}/ holds one image: a class needs two (one to learn from, one to check)")
        else:
            classes.append(name)
    extra = sorted({found.files[i][1] for i in good if found.files[i][2] and found.files[i][1] not in classes})
    skipped += [f"val/{name}/ is not a class in train/: left out" for name in extra]
    return classes, skipped


def splits(decoded: Decoded, val_fraction: float, seed: int) -> tuple[dict, dict, dict]:
    """The training and validation splits as tensors (``x`` (n, C, H, W) normalised per channel with the
    training images' mean and spread, ``y`` the classes), each in a seeded order that mixes the classes,
    and what was decided on the way: the mean and spread, and each validation image's file. Validation
    images are the val/ folder's, or a seeded share of each class (each class keeps some to learn from)."""
    in_val = decoded.in_val.copy()
    if not decoded.split_folders:
        in_val[:] = False
        share = torch.Generator().manual_seed(seed + SPLIT_SEED)
        for label in range(len(decoded.classes)):
            members = np.flatnonzero(decoded.labels == label)
            order = members[torch.randperm(len(members), generator=share).numpy()]
            n_val = min(len(members) - 1, max(1, round(len(members) * val_fraction))) if val_fraction > 0 else 0
            in_val[order[:n_val]] = True
    mixing = torch.Generator().manual_seed(seed + ORDER_SEED)
    train_at, val_at = (
        torch.from_numpy(np.flatnonzero(chosen))[torch.randperm(int(chosen.sum()), generator=mixing)]
        for chosen in (~in_val, in_val)
    )
    x = torch.from_numpy(decoded.images).permute(0, 3, 1, 2).float().div_(255.0)  # (n, C, H, W)
    y = torch.from_numpy(decoded.labels)
    mean = x[train_at].mean(dim=(0, 2, 3))
    std = x[train_at].std(dim=(0, 2, 3)).clamp_min(1e-3)
    x = (x - mean[:, None, None]) / std[:, None, None]
    decided = {"mean": mean.tolist(), "std": std.tolist(), "val_files": [decoded.files[i] for i in val_at.tolist()]}
    return {"x": x[train_at], "y": y[train_at]}, {"x": x[val_at], "y": y[val_at]}, decided


def augmenter(mode: str) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A training batch varied at random: mirrored left-right ("flip"), and with "flip_shift" moved by up
    to an eighth of its size (the edge pixels repeated into the gap), each image on its own draw; None
    for "none"."""
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


def load_folder(
    folder: Path, size: int, fit: str, gray: bool, val_fraction: float, seed: int
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The folder's training and validation splits, as Playground reads them (without its cache)."""
    decoded = decode_all(folder, listing(folder), size, fit, gray)
    if len(decoded.classes) < 2:
        raise ValueError(f"{folder}: needs at least two class folders with images: {decoded.skipped[:3]}")
    train, val, _ = splits(decoded, val_fraction, seed)
    return train, val
