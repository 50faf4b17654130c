"""An image folder as it was read, under the dataset's settings: one row per class (its name, how many
images, a few of them) and the line that says what was left out."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from playground.runtime.messages import Thumbnails
from playground.ui.layouts import empty
from playground.ui.plain import Label
from playground.ui.plots.predictions_view import pixmap
from playground.ui.theme import set_font, ui_scale

SIDE = 40  # pixels per thumbnail at scale 1


class ThumbnailStrip(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("thumbnailStrip")
        self.summary = Label()
        self.summary.setObjectName("imageFolderSummary")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        set_font(self.summary, 9)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(self.summary)
        layout.addLayout(self.rows)
        self.shown: Thumbnails | None = None
        self.hide()

    def show_thumbnails(self, message: Thumbnails) -> None:
        self.shown = message
        empty(self.rows)  # a class's name or its strip: gone now (found by name otherwise)
        side = round(SIDE * ui_scale())
        for row, (name, count, images) in enumerate(zip(message.classes, message.counts, message.images, strict=True)):
            label = Label(f"{name}  {count:,}")
            label.setObjectName(f"thumbnailClass_{row}")
            set_font(label, 9, bold=True)
            strip = QWidget()
            strip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)  # the panel's width, cut
            line = QHBoxLayout(strip)
            line.setContentsMargins(0, 0, 0, 0)
            line.setSpacing(2)
            for image in images:
                picture = Label()
                picture.setPixmap(pixmap(image, side))
                line.addWidget(picture)
            line.addStretch(1)
            self.rows.addWidget(label, row, 0)
            self.rows.addWidget(strip, row, 1)
        self.summary.setText(message.summary)
        self.show()
