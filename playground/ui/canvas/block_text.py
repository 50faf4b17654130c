"""The text of a block on the canvas: its fonts, what a text measures in them, a title fitted to its
header, and its line of key parameters (items.py draws them; the stage's network shows the line too)."""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

from playground.core.graph import GROUP_INPUT, GROUP_OUTPUT, Block
from playground.core.registry import BlockSpec
from playground.ui.theme import canvas_font

FONTS = {"title": (12, True), "id": (8.5, False), "text": (9.5, False)}
SMALLEST_TITLE = 8.0  # points (a block's id is 8.5): a long title is drawn no smaller, and elided past that


@functools.cache
def block_font(part: str) -> QFont:
    """The font of a part of a block (made once the application exists, then shared)."""
    return canvas_font(*FONTS[part])


@functools.lru_cache(maxsize=8192)
def text_width(part: str, text: str) -> float:
    """How wide ``text`` is in a part's font (measured once: thousands of blocks share their texts)."""
    return QFontMetricsF(block_font(part)).horizontalAdvance(text)


@functools.lru_cache(maxsize=1024)
def fitted_title(title: str, room: float) -> tuple[QFont, str]:
    """A block's title in its header's ``room``: at its size when it fits, else in a smaller font down to
    ``SMALLEST_TITLE`` points ("Graph convolution" was cut to "Graph convolutior"), elided past that."""
    size, bold = FONTS["title"]
    wide = text_width("title", title)
    if wide <= room:
        return block_font("title"), title
    size = max(SMALLEST_TITLE, size * room / wide)
    font = canvas_font(size, bold)
    while QFontMetricsF(font).horizontalAdvance(title) > room and size > SMALLEST_TITLE:  # widths step, not slide
        size = max(SMALLEST_TITLE, size - 0.25)
        font = canvas_font(size, bold)
    return font, QFontMetricsF(font).elidedText(title, Qt.TextElideMode.ElideRight, room)


SHORT_NAMES = {
    "in_features": "in",
    "out_features": "out",
    "in_channels": "in",
    "out_channels": "out",
    "kernel_size": "kernel",
    "hidden_size": "hidden",
    "num_heads": "heads",
    "embedding_dim": "dim",
    "num_embeddings": "vocab",
    "num_features": "features",
    "scale_factor": "×",
    "negative_slope": "slope",
}


def detail_text(block: Block, spec: BlockSpec, params: dict[str, Any]) -> str:
    """A block's key parameters on one line ("out 8 · kernel 3"); for a group, what it holds."""
    if block.graph is not None:
        return _inside(block, params)
    return " · ".join(f"{_label(k)} {_short(params.get(k, spec.param(k).default))}" for k in spec.key_params)


def _inside(block: Block, params: dict[str, Any]) -> str:
    """A group's line: how many blocks it holds, and how many times it repeats."""
    inside = block.graph.blocks.values() if block.graph is not None else ()
    inner = [b for b in inside if b.type not in (GROUP_INPUT, GROUP_OUTPUT)]
    repeat = params.get("repeat", 1)
    return f"{len(inner)} block{'s' if len(inner) != 1 else ''} inside" + (f" · ×{repeat}" if repeat != 1 else "")


def _label(name: str) -> str:
    return SHORT_NAMES.get(name, name)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return str(value)
