"""The time machine's timeline, under the curves: one slider over the steps the run keeps keyframes at
(nn/recording.py), its right end the live network. Dragging it (or Left/Right, Home/End on it) asks the
training process to draw every view at that step; training goes on meanwhile, and "Live" comes back."""

from __future__ import annotations

import bisect

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSlider, QWidget

from playground.ui.plain import Label

ASK_MS = 30  # a drag asks for the step it rests on, not for each pixel it crosses


class Timeline(QWidget):
    shown = Signal(object)  # the recorded step the views should show, or None for live

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("timeline")
        self.steps: tuple[int, ...] = ()
        self.live_step = 0
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setAccessibleName("Timeline: the step the views show")
        self.slider.setToolTip("Drag back through the run (Left/Right: the keyframe before or after; End: live)")
        self.slider.setRange(0, 0)
        self.slider.setPageStep(4)
        self.slider.valueChanged.connect(self._moved)
        self.status = Label()
        self.status.setObjectName("timelineStatus")
        self.live = QPushButton("Live")
        self.live.setObjectName("timelineLive")
        self.live.setToolTip("Show the network as it trains now (End)")
        self.live.clicked.connect(lambda: self.slider.setValue(self.slider.maximum()))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.status)
        row.addWidget(self.live)
        self.asking = QTimer(self)
        self.asking.setSingleShot(True)
        self.asking.setInterval(ASK_MS)
        self.asking.timeout.connect(lambda: self.shown.emit(self.step()))
        self._say()

    def step(self) -> int | None:
        """The recorded step the slider rests on (None at its right end: live)."""
        value = self.slider.value()
        return self.steps[value] if value < len(self.steps) else None

    def set_steps(self, steps: tuple[int, ...]) -> None:
        """The keyframes the run keeps now (thinning drops some): the slider stays on the step it showed,
        or the keyframe kept before it."""
        shown = self.step()
        self.steps = steps
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(steps))
        self.slider.setValue(len(steps) if shown is None else max(0, bisect.bisect_right(steps, shown) - 1))
        self.slider.blockSignals(False)
        self._say()
        if shown is not None and self.step() != shown:
            self.asking.start()

    def set_live_step(self, step: int) -> None:
        if step != self.live_step:
            self.live_step = step
            self._say()

    def clear(self) -> None:
        """A new run: nothing recorded yet, live."""
        self.live_step = 0
        self.set_steps(())

    def _moved(self) -> None:
        self._say()
        self.asking.start()

    def _say(self) -> None:
        step = self.step()
        self.live.setEnabled(step is not None)
        if step is None:
            kept = f", {len(self.steps):,} steps recorded" if self.steps else ""
            self.status.setText(f"Live: step {self.live_step:,}{kept}")
        else:
            self.status.setText(f"Step {step:,} of {self.live_step:,}, recorded")
