"""Reading an image folder with Pillow and NumPy only (no torch, no Playground import): which files
belong to which class, and one image decoded to a small square of uint8 pixels. The training script
Playground exports (train.py) carries these functions as they are, so it reads the very same pixels.

Every file that cannot be used gives a reason, one line, never an exception: a file that is not an
image, a truncated or damaged one, one over Pillow's pixel limit (a decompression bomb), one that
cannot be read (permissions), a folder that links back into itself."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

SPLIT_FOLDERS = ("train", "val")  # root/train/<class>/..., root/val/<class>/...
SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# Images over Pillow's limit are refused below, with their size: its warning would only repeat that.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def list_files(folder: Path) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Every file under ``folder``'s class subfolders as (path, class name), sorted, and what was left
    out as (path, reason). Subfolders of a class folder belong to it; linked folders are followed, once
    (a link back into the folder is a loop, left out); hidden files (.DS_Store) are not looked at."""
    found: list[tuple[Path, str]] = []
    skipped: list[tuple[Path, str]] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise OSError(f"{folder}: cannot be read ({exc.strerror or exc})") from None
    seen = {_identity(folder)}
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if _is_dir(entry):
            _walk(path, entry.name, found, skipped, seen)
        else:
            skipped.append((path, "is not inside a class folder"))
    return found, skipped


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _walk(folder: Path, label: str, found: list[tuple[Path, str]], skipped: list[tuple[Path, str]], seen: set) -> None:
    try:
        identity = _identity(folder)
        if identity in seen:
            skipped.append((folder, "links back to a folder already read (a loop)"))
            return
        seen.add(identity)
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        skipped.append((folder, f"cannot be read ({exc.strerror or exc})"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if _is_dir(entry):
            _walk(path, label, found, skipped, seen)
        elif entry.is_file():
            found.append((path, label))
        else:
            skipped.append((path, "is not a regular file (a broken link, a device or a pipe)"))


def decode(path: Path, size: int, fit: str, gray: bool) -> np.ndarray | str:
    """The image at ``path`` as a (size, size, channels) uint8 array, cropped to the centre square
    (``fit`` "crop") or padded with black to a square (``fit`` "pad"), turned by its EXIF orientation;
    transparent parts over white; 16-bit values scaled to 8; CMYK and palettes as RGB. Or, when it
    cannot be used, the reason (one line)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > Image.MAX_IMAGE_PIXELS:
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
