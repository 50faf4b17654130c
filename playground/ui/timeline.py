"""The time machine's timeline, under the curves: one slider over the steps the run keeps keyframes at
(nn/recording.py), its right end the live network. Dragging it (or Left/Right, Home/End on it) asks the
training process to draw every view at that step; training goes on meanwhile, and "Live" comes back.
Replay plays the recorded run back as an animation, a frame drawn before the next is asked for."""

from __future__ import annotations

import bisect
import math

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLayout, QMenu, QSlider, QToolButton, QWidget

from playground.ui.plain import Label

ASK_MS = 30  # a drag asks for the step it rests on, not for each pixel it crosses
REPLAY_FPS = 20
SLIDER_MIN = 160  # px: a slider shorter than this is laid out on a row of its own
STATUS_SAMPLE = "Step 000,000 of 000,000, recorded"  # the status's longest text, about
REPLAY_SECONDS = (5, 10, 20, 40)  # how long a replay of the whole run takes


def button(text: str) -> QToolButton:
    """A text button as tall as the slider's row (a tool button: the curves keep the height)."""
    made = QToolButton()
    made.setText(text)
    return made


class Timeline(QWidget):
    shown = Signal(object)  # the recorded step the views should show, or None for live
    branched = Signal(int)  # continue from this recorded step, as a new run
    drawn_at = Signal(int)  # every view now shows this recorded step (an animation grabs it)

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
        self.live = button("Live")
        self.live.setObjectName("timelineLive")
        self.live.setToolTip("Show the network as it trains now (End)")
        self.live.clicked.connect(lambda: self.slider.setValue(self.slider.maximum()))
        self.replay = button("Replay")
        self.replay.setObjectName("timelineReplay")
        self.replay.setToolTip("Play the recorded run back as an animation, from the step shown (the arrow: how long)")
        self.replay.clicked.connect(self.toggle_replay)
        self.replay.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)  # its arrow: how long
        lengths = QMenu(self.replay)
        lengths.setObjectName("replayLength")
        group = QActionGroup(lengths)
        self.replay_lengths: list[QAction] = []
        for seconds in REPLAY_SECONDS:
            action = lengths.addAction(f"The whole run in {seconds} s")
            action.setCheckable(True)
            action.setChecked(seconds == 10)
            action.setData(seconds)
            group.addAction(action)
            self.replay_lengths.append(action)
        self.replay.setMenu(lengths)
        self.branch = button("Continue from here")
        self.branch.setObjectName("timelineBranch")
        self.branch.setToolTip(
            "Start a new run from the step shown, with the settings as they are now (the run so far stays on the "
            "curves, faded)"
        )
        self.branch.clicked.connect(lambda: self.branched.emit(self.step()))
        self.buttons = QWidget()
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.live, self.branch, self.replay):
            row.addWidget(widget)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # minimumSizeHint says it
        self.grid.setColumnStretch(0, 1)
        self.rows = 0  # laid out in 1, 2 or 3 rows, as the width allows (resizeEvent)
        self._lay_out(1)
        self.drawn_step: int | None = None  # the recorded step the views show now
        self.waited = 0  # replay frames waited for the views to catch up
        self.replaying = QTimer(self)
        self.replaying.setInterval(1000 // REPLAY_FPS)
        self.replaying.timeout.connect(self._next_frame)
        self.slider.sliderPressed.connect(self.stop_replay)
        self.asking = QTimer(self)
        self.asking.setSingleShot(True)
        self.asking.setInterval(ASK_MS)
        self.asking.timeout.connect(lambda: self.shown.emit(self.step()))
        self._say()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """All in one row where the width allows; else the slider and status over the buttons; else the
        slider, the status and the buttons each on a row of their own (presentation's narrow column). The
        status keeps the width of its longest text, so that a move does not shift the buttons."""
        super().resizeEvent(event)
        status = self.status.fontMetrics().horizontalAdvance(STATUS_SAMPLE)
        self.status.setMinimumWidth(status)
        needed = SLIDER_MIN + status + self.buttons.sizeHint().width() + 2 * self.grid.horizontalSpacing()
        width = self.width()
        rows = 1 if width >= needed else 2 if width >= SLIDER_MIN + status else 3
        if rows != self.rows:
            self._lay_out(rows)

    def minimumSizeHint(self) -> QSize:
        """As narrow as its three rows allow, whatever the rows now: a column narrower than one row gets
        the timeline in three (resizeEvent), instead of the timeline widening the column."""
        narrowest = max(self.buttons.sizeHint().width(), self.status.minimumWidth())
        return QSize(narrowest, self.grid.minimumSize().height())

    def _lay_out(self, rows: int) -> None:
        self.rows = rows
        self.updateGeometry()  # the height its rows need
        for widget in (self.slider, self.status, self.buttons):
            self.grid.removeWidget(widget)
        left = Qt.AlignmentFlag.AlignLeft
        self.grid.addWidget(self.slider, 0, 0)
        if rows == 1:
            self.grid.addWidget(self.status, 0, 1)
            self.grid.addWidget(self.buttons, 0, 2)
        elif rows == 2:
            self.grid.addWidget(self.status, 0, 1)
            self.grid.addWidget(self.buttons, 1, 0, 1, 2, left)
        else:
            self.grid.addWidget(self.status, 1, 0)
            self.grid.addWidget(self.buttons, 2, 0, left)

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
        self.stop_replay()
        self.set_steps(())

    def drawn(self, step: int) -> None:
        """The views now show recorded step ``step`` (a replay's next frame may be asked for)."""
        self.drawn_step = step
        self.drawn_at.emit(step)

    def show_step(self, step: int | None) -> None:
        """Show recorded ``step`` (None, or a step no longer kept: live), as moving the slider there does;
        asked again if the slider is there already."""
        value = self.steps.index(step) if step in self.steps else len(self.steps)
        if value == self.slider.value():
            self._ask_now()
        else:
            self.slider.setValue(value)

    def toggle_replay(self) -> None:
        if self.replaying.isActive():
            self.stop_replay()
            return
        if len(self.steps) < 2:
            return
        start = self.slider.value()
        if start >= len(self.steps) - 1:  # live or the end: from the start (the move asks for it)
            self.slider.setValue(0)
        elif self.drawn_step != self.step():
            self._ask_now()  # the step shown is not drawn yet
        self.replay.setText("Stop replay")
        self.replaying.start()

    def stop_replay(self) -> None:
        self.replaying.stop()
        self.replay.setText("Replay")

    def _next_frame(self) -> None:
        self.waited += 1
        if self.drawn_step != self.step() and self.waited < REPLAY_FPS:
            return  # the last frame is not drawn yet: a slow view slows the replay (a second at most)
        self.waited = 0
        seconds = next(int(action.data()) for action in self.replay_lengths if action.isChecked())
        stride = max(1, math.ceil(len(self.steps) / (seconds * REPLAY_FPS)))
        value = min(self.slider.value() + stride, len(self.steps) - 1)
        self.slider.setValue(value)  # the move asks for the frame
        if value == len(self.steps) - 1:
            self.stop_replay()  # the last recorded step stays on screen

    def _ask_now(self) -> None:
        self.asking.stop()
        self.shown.emit(self.step())

    def _moved(self) -> None:
        self._say()
        if self.slider.isSliderDown():
            self.asking.start()  # a drag: the step it rests on
        else:
            self._ask_now()  # a key, a click on the groove, Live

    def _say(self) -> None:
        step = self.step()
        self.live.setEnabled(step is not None)
        self.branch.setEnabled(step is not None)
        if step is None:
            count = len(self.steps)
            kept = f" ({count:,} recorded)" if count else ""
            self.status.setText(f"Live: step {self.live_step:,}{kept}")
        else:
            self.status.setText(f"Step {step:,} of {self.live_step:,}, recorded")
