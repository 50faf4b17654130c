"""Colours and fonts: a light and a dark theme, category colours, sizes readable on a projector."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

CATEGORY_COLOURS = {
    "Input / Output": "#6b7280",
    "Dense": "#2563eb",
    "Activation": "#d97706",
    "Convolution": "#059669",
    "Normalisation": "#7c3aed",
    "Reshape": "#64748b",
    "Sequence": "#db2777",
    "Attention": "#dc2626",
    "Graph": "#0891b2",
    "Merge": "#4d7c0f",
    "Generative": "#4f46e5",
    "Math": "#9333ea",
}
FLOW = QColor("#ea580c")  # wires carrying a large gradient
PROBLEM = QColor("#dc2626")


@dataclass(frozen=True)
class Theme:
    name: str
    canvas: QColor
    grid: QColor
    block: QColor
    block_border: QColor
    selection: QColor
    text: QColor
    muted: QColor
    wire: QColor
    label_background: QColor


LIGHT = Theme(
    "light",
    QColor("#f5f6f8"),
    QColor("#e3e6eb"),
    QColor("#ffffff"),
    QColor("#c4c9d2"),
    QColor("#2563eb"),
    QColor("#111827"),
    QColor("#4b5563"),
    QColor("#6b7280"),
    QColor("#ffffffe6"),
)
DARK = Theme(
    "dark",
    QColor("#16181d"),
    QColor("#23262d"),
    QColor("#262a31"),
    QColor("#3a3f48"),
    QColor("#60a5fa"),
    QColor("#f3f4f6"),
    QColor("#a1a7b3"),
    QColor("#8b93a1"),
    QColor("#16181de6"),
)
THEMES = {theme.name: theme for theme in (LIGHT, DARK)}


def category_colour(category: str) -> QColor:
    return QColor(CATEGORY_COLOURS.get(category, "#6b7280"))


def header_colour(category: str, theme: Theme) -> QColor:
    """A block's header: its category's colour, light enough under the theme's text that a title reads
    (and is read by a camera in the last row) as dark on light, or light on dark."""
    colour, base = category_colour(category), theme.block
    share = 0.22 if theme.name == "light" else 0.4
    return mix(base, colour, share)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The opaque colour ``t`` of the way from ``a`` to ``b``."""
    return QColor.fromRgbF(*(x + (y - x) * t for x, y in zip(_rgb(a), _rgb(b), strict=True)))


def _rgb(colour: QColor) -> tuple[float, float, float]:
    return colour.redF(), colour.greenF(), colour.blueF()


SCALE_RANGE = (1.0, 2.5)
SCALE_STEP = 0.25
_state = {"scale": 1.0, "base": 0.0}  # the UI scale, and the application font's size at scale 1


def ui_scale() -> float:
    return _state["scale"]


def base_point_size() -> float:
    """The application font's size at scale 1."""
    return _state["base"] or QApplication.font().pointSizeF()


def application() -> QApplication:
    """The running QApplication (the window's widgets exist only under one)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("no QApplication is running")
    return app


def set_ui_scale(scale: float) -> float:
    """Every font of the window (and, through the widgets' fonts, what they size from them) at
    ``scale`` times its size, clamped to 100 %-250 %; returns the scale set. The canvas scales its
    items itself (GraphScene.set_ui_scale)."""
    app = application()
    if not _state["base"]:
        _state["base"] = app.font().pointSizeF()
    _state["scale"] = min(max(round(scale, 2), SCALE_RANGE[0]), SCALE_RANGE[1])
    font = QFont(app.font())
    font.setPointSizeF(_state["base"] * _state["scale"])
    app.setFont(font)
    return _state["scale"]


@functools.cache
def _font(point_size: float, bold: bool, scale: float) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(point_size * scale)
    font.setBold(bold)
    return font


def ui_font(point_size: float = 10.0, bold: bool = False) -> QFont:
    """The UI font at a size, times the UI scale (shared: do not modify the returned font)."""
    return _font(point_size, bold, _state["scale"])


def canvas_font(point_size: float, bold: bool = False) -> QFont:
    """A font of the canvas's items, which scale as items (their sizes are in scene units)."""
    return _font(point_size, bold, 1.0)


def title_size(point_size: float = 10.0) -> str:
    """A plot title's size for pyqtgraph, times the UI scale."""
    return f"{point_size * _state['scale']:.1f}pt"


def set_font(widget: QWidget, point_size: float, bold: bool = False) -> None:
    """Give ``widget`` the UI font at a size that follows the UI scale (see refresh_fonts)."""
    widget.setProperty("uiPointSize", point_size)
    widget.setProperty("uiBold", bold)
    widget.setFont(ui_font(point_size, bold))


def refresh_fonts(root: QWidget) -> None:
    """After a change of UI scale: the widgets given a size with set_font take it at the new scale
    (the others follow the application font by themselves)."""
    for widget in [root, *root.findChildren(QWidget)]:
        size = widget.property("uiPointSize")
        if size:
            widget.setFont(ui_font(float(size), bool(widget.property("uiBold"))))


def apply_palette(app: QApplication, theme: Theme) -> None:
    """Window colours to match the canvas theme (Fusion style draws them faithfully)."""
    app.setStyle("Fusion")
    palette = QPalette()
    if theme.name == "dark":
        base, window, text = QColor("#1e2127"), QColor("#23262d"), QColor("#e5e7eb")
        palette.setColor(QPalette.ColorRole.Window, window)
        palette.setColor(QPalette.ColorRole.WindowText, text)
        palette.setColor(QPalette.ColorRole.Base, base)
        palette.setColor(QPalette.ColorRole.AlternateBase, window)
        palette.setColor(QPalette.ColorRole.Text, text)
        palette.setColor(QPalette.ColorRole.Button, window)
        palette.setColor(QPalette.ColorRole.ButtonText, text)
        palette.setColor(QPalette.ColorRole.ToolTipBase, base)
        palette.setColor(QPalette.ColorRole.ToolTipText, text)
        palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8b93a1"))
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#2563eb"))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    else:
        palette = app.style().standardPalette()
    app.setPalette(palette)


def smallest_text_px(screen_height: int) -> float:
    """The size the smallest text must reach in presentation: 16 px on 720 lines, 22 px on 1080."""
    return 16 + 6 * min(max((screen_height - 720) / 360, 0.0), 1.0)
