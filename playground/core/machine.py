"""What this machine can hold: a network is measured against it before anything of it is built, so a
project file from anyone (a student's attachment) cannot make Playground allocate past the memory there is."""

from __future__ import annotations

import functools
import os

BYTES_PER_WEIGHT = 4  # float32
TRAINING_COPIES = 4  # the weights, their gradients and an optimiser's two moments (Adam)


@functools.cache
def memory_bytes() -> int:
    """The machine's memory in bytes (its physical memory; 16 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system (Windows)
        return 16 << 30


def size_text(count: float) -> str:
    """Bytes as people read them: 4 TiB, 1.6 GiB, 300 MiB."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if count >= 1 << shift:
            return f"{count / (1 << shift):.3g} {unit}"
    return f"{int(count)} bytes"


def training_bytes(weights: int) -> int:
    """What training a network of ``weights`` numbers holds at least (its activations come on top)."""
    return weights * BYTES_PER_WEIGHT * TRAINING_COPIES


def too_large(weights: int) -> str:
    """Why a network of ``weights`` numbers cannot be trained here ("" when it can be)."""
    needed, there = training_bytes(weights), memory_bytes()
    if needed <= there:
        return ""
    return (
        f"training it needs at least {size_text(needed)} (weights, gradients and the optimiser's state), more "
        f"than this machine's {size_text(there)}"
    )
