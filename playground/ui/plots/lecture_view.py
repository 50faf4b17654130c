"""The block a lecture follows, as presentation mode shows it beside the curves: for a convolution the
input example with the class the network gives it, the block's feature maps for that example and its
filters; for attention the attention map; for a classifier's Output its confusion matrix. Pictures
only, side by side and large (the inspector's live view has the histograms and the numbers)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from playground.runtime.messages import BlockDetail
from playground.ui.plain import Label
from playground.ui.plots.block_view import main_picture, mosaic_rgba
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme, set_font, title_size

PANELS = 3  # the example, the block's picture, its filters


def grey_or_colour(image: np.ndarray) -> np.ndarray:
    """An input image, (H, W) grey or (H, W, 3) colour, stretched to its range as (H, W, 4) bytes."""
    low, span = float(image.min()), float(image.max() - image.min()) or 1.0
    scaled = np.clip((image - low) / span * 255, 0, 255).astype(np.uint8)
    rgb = np.repeat(scaled[..., None], 3, axis=2) if scaled.ndim == 2 else scaled
    return np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 255, np.uint8)], axis=2)


class LectureBlockView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("stageBlockView")
        self.theme = theme
        self.panels: list[tuple[pg.PlotWidget, pg.ImageItem]] = []
        self.caption = Label()
        self.caption.setObjectName("stageBlockCaption")
        self.caption.setWordWrap(True)
        set_font(self.caption, 10)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.caption)
        layout = QHBoxLayout()
        column.addLayout(layout, 1)
        for _ in range(PANELS):
            plot = pg.PlotWidget()
            style_plot(plot, theme, "")
            plot.setAspectLocked(True)
            plot.invertY(True)
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMouseEnabled(False, False)
            image = pg.ImageItem(axisOrder="row-major")
            plot.addItem(image)
            layout.addWidget(plot)
            self.panels.append((plot, image))
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        for plot, _ in self.panels:
            style_plot(plot, theme)

    def titles(self) -> list[str]:
        """The titles of the pictures shown, left to right."""
        return [plot.getPlotItem().titleLabel.text for plot, _ in self.panels if not plot.isHidden()]

    def show_detail(self, detail: BlockDetail, example: int) -> bool:
        """Draw the block's pictures; False (and nothing shown) for a block that has none."""
        _, picture = main_picture(detail, example)
        pictures = []
        if detail.example is not None:
            pictures.append((detail.verdict.capitalize() or f"Example {example}", grey_or_colour(detail.example)))
        if picture is not None:
            pictures.append((_short_title(detail), picture))
        if detail.filters is not None:
            pictures.append(("Filters", mosaic_rgba(detail.filters)))
        self.caption.setText(_caption(detail, example))
        for i, (plot, image) in enumerate(self.panels):
            plot.setVisible(i < len(pictures))
            if i < len(pictures):
                text, rgba = pictures[i]
                plot.getPlotItem().setTitle(text, color=self.theme.text.name(), size=title_size(10))
                image.setImage(rgba, levels=(0, 255), rect=QRectF(0, 0, rgba.shape[1], rgba.shape[0]))
                plot.getPlotItem().getViewBox().autoRange(padding=0.02)
        return bool(pictures)


def _short_title(detail: BlockDetail) -> str:
    if detail.confusion is not None:
        return "Confusion"
    return "Attention" if detail.attention is not None else "Feature maps"


def _caption(detail: BlockDetail, example: int) -> str:
    """What the pictures are, in words that wrap rather than being cut."""
    if detail.confusion is not None:
        return f"{detail.block}: validation examples by true class (rows) and predicted class (columns)"
    if detail.attention is not None:
        return f"{detail.block}: how much each position (row) attends to each other one (column), heads averaged"
    filters = ", its filters (first input channel)" if detail.filters is not None else ""
    return f"{detail.block}: validation example {example}, its feature maps{filters}"
