"""The types of the command line's values (``type=`` of argparse): each refuses what it cannot take with
a line that says what it wanted."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from playground.nn.grade_pool import SMALLEST_LIMIT

Number = TypeVar("Number", int, float)


def shape(text: str) -> tuple[int, ...]:
    """``1,3,32,32``: the shape of one input of forward(), batch first."""
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a shape like 1,3,32,32") from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': every size must be at least 1")
    return shape


def size(text: str) -> tuple[int, int]:
    """``1280x720``: a window's width and height in pixels."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x720")
    width, height = int(parts[0]), int(parts[1])
    if not (640 <= width <= 7680 and 480 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"'{text}': from 640x480 to 7680x4320 pixels")
    return width, height


def seconds(text: str) -> float:
    value = _read(text, float, "a number of seconds")
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 86400 seconds, not {text}")
    return value


def gigabytes(text: str) -> float:
    value = _read(text, float, "a number of GB")
    if not SMALLEST_LIMIT <= value <= 1 << 20:
        raise argparse.ArgumentTypeError(
            f"must be at least {SMALLEST_LIMIT:g} GB (importing torch takes that), not {text}"
        )
    return value


def positive(text: str) -> int:
    value = _read(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _read(text: str, kind: Callable[[str], Number], what: str) -> Number:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
