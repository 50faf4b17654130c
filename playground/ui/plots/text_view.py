"""A language model writing while it trains: the latest texts it sampled from a prompt, at a
temperature the instructor turns (low: safe and repetitive; high: adventurous)."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLineEdit, QTextEdit, QVBoxLayout, QWidget

from playground.runtime.messages import Sampled
from playground.ui.plain import Label
from playground.ui.theme import set_font

KEEP = 12  # samples shown, newest first


class TextView(QWidget):
    changed = Signal(str, float)  # prompt, temperature

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("textView")
        self.prompt = QLineEdit()
        self.prompt.setObjectName("samplePrompt")
        self.prompt.setPlaceholderText("Prompt (empty: start from nothing)")
        self.prompt.editingFinished.connect(self._changed)
        self.temperature = QDoubleSpinBox()
        self.temperature.setObjectName("sampleTemperature")
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(0.8)
        self.temperature.setToolTip("0: always the likeliest character; 1: as learned; above 1: wilder")
        self.temperature.setKeyboardTracking(False)
        self.temperature.valueChanged.connect(self._changed)
        self.text = QTextEdit()
        self.text.setObjectName("sampleText")
        self.text.setReadOnly(True)
        set_font(self.text, 10.5)
        row = QHBoxLayout()
        row.addWidget(self.prompt, 1)
        row.addWidget(Label("Temperature"))
        row.addWidget(self.temperature)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(Label("What the network writes (every three seconds while training):"))
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        self.samples: list[Sampled] = []
        self.hide()

    def clear(self) -> None:
        self.samples = []
        self.text.clear()

    def _changed(self, *_: object) -> None:
        self.changed.emit(self.prompt.text(), self.temperature.value())

    def add(self, sample: Sampled) -> None:
        self.samples = [sample, *self.samples][:KEEP]
        blocks = [
            f"<p><span style='color:#64748b'>step {s.step:,}</span><br><b>{html.escape(s.prompt)}</b>"
            f"{html.escape(s.text).replace(chr(10), '<br>')}</p>"
            for s in self.samples
        ]
        self.text.setHtml("".join(blocks))
