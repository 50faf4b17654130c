"""The text of a block on the canvas: its fonts, what a text measures in them, and a title fitted to its
header (items.py draws them)."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

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
