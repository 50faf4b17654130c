"""An image classifier's guesses on the same few validation images all along: each picture with the class
the network gives it, a tick when right; when wrong a cross, a red frame and the true class. Also the
pixmap helper the image folder's thumbnails use."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from playground.runtime.messages import Predictions
from playground.ui.plain import Label, tip
from playground.ui.theme import Theme, set_font, ui_scale

COLUMNS = 6  # at most
TILE = 64  # pixels per picture at scale 1, at most
SPACING = 6
RIGHT, WRONG = "#2e7d32", "#c62828"


def pixmap(image: np.ndarray, side: int) -> QPixmap:
    """An (H, W, channels) image in 0..1 as a square pixmap ``side`` pixels wide, pixels kept sharp."""
    pixels = np.ascontiguousarray((np.clip(image, 0, 1) * 255).astype(np.uint8))
    height, width, channels = pixels.shape
    if channels == 1:
        picture = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        picture = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(picture.copy()).scaled(
        side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class PredictionsView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("predictionsView")
        self.title = Label("Validation images: the network's guess")
        set_font(self.title, 10, bold=True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setSpacing(SPACING)
        self.tiles: list[tuple[QLabel, QLabel]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.last: Predictions | None = None
        self.columns = 0  # the tiles are placed in this many columns
        self.hide()

    def set_theme(self, theme: Theme) -> None:
        if self.last is not None:
            self.show_payload(self.last)

    def _tile(self, index: int) -> tuple[QLabel, QLabel]:
        while len(self.tiles) <= index:
            picture, caption = Label(), Label()
            for label in (picture, caption):  # the view takes the room it is given: the tiles fit into it
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            set_font(caption, 9, bold=True)
            self.tiles.append((picture, caption))
        return self.tiles[index]

    def _fit(self) -> tuple[int, int, int]:
        """Columns, rows and picture size that fit the view: as many whole tiles as its room holds, each a
        picture over a two-line caption as wide as the longest class name."""
        if self.last is None:
            return COLUMNS, 2, TILE
        metrics = self.tiles[0][1].fontMetrics() if self.tiles else self.fontMetrics()
        words = max(metrics.horizontalAdvance(f"(is {name})") for name in self.last.classes) + 8
        side = round(TILE * ui_scale())
        width = max(side, words) + SPACING
        columns = max(1, min(COLUMNS, (self.width() - 8) // width))
        free = self.height() - self.title.sizeHint().height() - 16
        rows = max(1, free // (side + 2 * metrics.height() + SPACING + 8))
        return columns, rows, side

    def _place(self, columns: int) -> None:
        """The tiles in ``columns`` columns: each picture with its caption under it."""
        self.columns = columns
        for picture, caption in self.tiles:
            self.grid.removeWidget(picture)
            self.grid.removeWidget(caption)
        for i, (picture, caption) in enumerate(self.tiles):
            self.grid.addWidget(picture, 2 * (i // columns), i % columns)
            self.grid.addWidget(caption, 2 * (i // columns) + 1, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.last is not None:
            self.show_payload(self.last)

    def clear(self) -> None:
        self.last = None
        for picture, caption in self.tiles:
            picture.clear()
            caption.clear()

    def show_payload(self, payload: Predictions) -> None:
        self.last = payload
        if len(self.tiles) < len(payload.images):
            self._tile(len(payload.images) - 1)
            self.columns = 0  # new tiles: place them all
        columns, rows, side = self._fit()
        if columns != self.columns:
            self._place(columns)
        wrong = 0
        for i, image in enumerate(payload.images):
            picture, caption = self.tiles[i]
            guess, truth = payload.classes[payload.predicted[i]], payload.classes[payload.truth[i]]
            right = payload.predicted[i] == payload.truth[i]
            shown = i < columns * rows
            wrong += shown and not right
            picture.setVisible(shown)
            caption.setVisible(shown)
            if not shown:
                continue
            picture.setPixmap(pixmap(image, side))
            picture.setFixedHeight(side + 6)
            colour = RIGHT if right else WRONG
            picture.setStyleSheet(f"border: 3px solid {'transparent' if right else colour};")
            caption.setText(f"✓ {guess}" if right else f"✗ {guess}\n(is {truth})")
            caption.setFixedHeight(2 * caption.fontMetrics().height() + 4)
            caption.setStyleSheet(f"color: {colour};")
            caption.setToolTip(tip(f"The network says {guess}; the image is {truth}."))
        count = min(len(payload.images), columns * rows)
        self.title.setText(f"Validation images: the network's guess ({wrong} of {count} wrong, in red)")
