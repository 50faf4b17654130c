"""The transport of the training panel, always in view above the settings: Play/Pause, Step, Epoch,
Stop, Reset and Reseed, the status line, how the loss reads the network, what stopped a run, and the
banner that offers a restart after an edit."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QGridLayout, QPushButton, QSizePolicy, QStyle, QVBoxLayout, QWidget

from playground.ui.plain import Label
from playground.ui.theme import set_font


class StatusLine(Label):
    """A fixed number of lines high, whatever its text: a status that changes 20 times a second must
    not re-lay out the panel (the height follows the font, as the UI scale changes it)."""

    lines = 3

    def set_lines(self, lines: int) -> None:
        self.lines = lines
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 6)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self.set_lines(self.lines)
        super().changeEvent(event)


class Transport(QWidget):
    """The panel's controls for the run: each button says what was asked with a signal."""

    play = Signal()  # Play, or Pause while training
    step = Signal()
    epoch = Signal()
    stop = Signal()
    reset = Signal()
    reseed = Signal()
    restart = Signal()  # with the edits made since the run started

    def __init__(self) -> None:
        super().__init__()
        host = self
        self.play_button = self._button("Play", "playButton", "Train continuously (Space)", self.play)
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        set_font(self.play_button, 11, bold=True)
        self.play_button.setMinimumHeight(34)
        self.step_button = self._button("Step", "stepButton", "Train on one batch", self.step)
        self.epoch_button = self._button("Epoch", "epochButton", "Train to the end of this epoch", self.epoch)
        self.stop_button = self._button("Stop", "stopButton", "End this run (the next Play starts afresh)", self.stop)
        self.reset_button = self._button(
            "Reset", "resetButton", "Back to step 0 with the same initial weights", self.reset
        )
        self.reseed_button = self._button(
            "Reseed", "reseedButton", "Back to step 0 with new random weights", self.reseed
        )
        buttons = QGridLayout()
        buttons.addWidget(self.play_button, 0, 0, 1, 3)
        for i, button in enumerate((self.step_button, self.epoch_button, self.stop_button)):
            buttons.addWidget(button, 1, i)
        buttons.addWidget(self.reset_button, 2, 0)
        buttons.addWidget(self.reseed_button, 2, 1)

        self.status = StatusLine("Not started")
        self.status.setObjectName("trainingStatus")
        set_font(self.status, 10.5, bold=True)
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.loss_note = Label()
        self.loss_note.setObjectName("lossNote")
        self.loss_note.setWordWrap(True)
        self.loss_note.setStyleSheet("color: #475569;")
        self.loss_note.hide()
        self.message = Label()
        self.message.setObjectName("trainingMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #dc2626;")
        self.message.hide()
        self.banner = QFrame()
        self.banner.setObjectName("restartBanner")
        self.banner.setStyleSheet(
            "#restartBanner { background: #fef3c7; border: 1px solid #f59e0b; border-radius: 6px; }"
        )
        self.banner_text = Label()
        self.banner_text.setWordWrap(True)
        self.banner_text.setStyleSheet("color: #78350f;")
        self.restart_button = self._button("Restart with the changes", "restartButton", "", self.restart)
        banner = QVBoxLayout(self.banner)
        banner.addWidget(self.banner_text)
        banner.addWidget(self.restart_button)
        self.banner.hide()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.loss_note)
        layout.addWidget(self.message)
        layout.addWidget(self.banner)

    def _button(self, text: str, name: str, tip: str, asked: SignalInstance) -> QPushButton:
        button = QPushButton(text)
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)  # never squashed by a banner
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(asked)
        return button
