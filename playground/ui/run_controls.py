"""The top of the training panel's settings column: what to show on the canvas, where training runs
(device, CPU threads), how fast a demo goes, and the dataset and training settings under them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QSlider, QVBoxLayout, QWidget

from playground.host import cores
from playground.runtime.session import TrainingSession
from playground.ui.document import Document
from playground.ui.plain import Label
from playground.ui.settings_file import setting, settings
from playground.ui.settings_form import SettingsForm

AUTOMATIC = "auto"


class RunControls(QWidget):
    def __init__(self, document: Document, session: TrainingSession) -> None:
        super().__init__()
        self.session = session
        self.device = QComboBox()
        self.device.setObjectName("deviceCombo")
        self.device.addItem("auto")
        self.threads = self._threads_combo()
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setObjectName("speedSlider")
        self.speed.setRange(0, 100)
        self.speed.setValue(100)
        self.speed.setToolTip("Steps per second: slow a demo down (right end: as fast as it goes)")
        self.speed_label = Label()
        self.speed.valueChanged.connect(self._speed_changed)
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        self._speed_changed(self.speed.value())

        self.settings = SettingsForm(document)

        self.show_units = QCheckBox("Unit heatmaps on blocks")
        self.show_units.setObjectName("unitsToggle")
        self.show_units.setChecked(True)
        self.show_flow = QCheckBox("Gradient flow on wires")
        self.show_flow.setObjectName("flowToggle")

        top = QFormLayout()
        top.addRow(Label("Device"), self.device)
        top.addRow(Label("CPU threads"), self.threads)
        top.addRow(Label("Speed"), speed_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.show_units)
        layout.addWidget(self.show_flow)
        layout.addLayout(top)
        layout.addWidget(self.settings)
        layout.addStretch(1)

    def _threads_combo(self) -> QComboBox:
        """auto (one thread for a network of small operations, every core but the window's for large
        ones: nn/threads.py), or a count; kept between sessions, applied to a running training at once."""
        combo = QComboBox()
        combo.setObjectName("threadsCombo")
        combo.setToolTip(
            "CPU threads training computes with. auto: one for a small network (extra threads cost more "
            "than they save), every core but one for a large one"
        )
        combo.addItem(AUTOMATIC, None)
        for count in range(1, cores() + 1):
            combo.addItem(str(count), count)
        saved = setting("threads", 0)
        combo.setCurrentIndex(saved if 0 < saved <= cores() else 0)
        if combo.currentData() is not None:
            self.session.set_threads(combo.currentData())
        combo.currentIndexChanged.connect(self._threads_chosen)
        return combo

    def _threads_chosen(self) -> None:
        count = self.threads.currentData()
        settings().setValue("threads", count or 0)
        self.session.set_threads(count)

    def _speed_changed(self, value: int) -> None:
        rate = 0.0 if value >= 100 else round(10 ** (value / 100 * 3), 1)
        self.speed_label.setText("max" if rate == 0 else f"{rate:g}/s")
        self.session.set_speed(rate)
