"""The training panel (bottom dock), laid out: transport controls, device and speed, the dataset and
training settings (settings_form.py), live status, the curves and the data views, and how they share the
width (a narrow screen, presentation). What it does with a run is run_policy.py's."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from playground.runtime.session import TrainingSession
from playground.ui.document import Document
from playground.ui.enlarge import Enlarger
from playground.ui.plots.curves import CurvesView
from playground.ui.plots.data_views import DataViews
from playground.ui.run_controls import RunControls
from playground.ui.run_policy import RunPolicy
from playground.ui.theme import Theme
from playground.ui.transport import Transport

PRESENTED_SHARES = (0.23, 0.2, 0.57)  # of the width in presentation: transport and knobs, curves, data views
NARROW = 1500  # px: a panel narrower than this (a 1280 or 1366 screen) stacks loss over accuracy
NARROW_SHARES = (0.27, 0.26, 0.47)  # ... and gives the data views the room the curves leave
LEFT_WIDTH = 330  # the transport and settings column, outside presentation


class TrainingPanel(RunPolicy):
    def __init__(self, document: Document, session: TrainingSession, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("trainingPanel")
        self.document = document
        self.session = session

        self.curves = CurvesView(theme)
        self.views = DataViews(theme)
        self.controls = controls = RunControls(document, session)
        self.controls.device.currentTextChanged.connect(lambda _: self._mark_stale("the device"))
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.left = left = QWidget()
        left.setMinimumWidth(LEFT_WIDTH)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        self.transport = transport = Transport()
        transport.play.connect(self.toggle_play)
        transport.step.connect(self.step)
        transport.epoch.connect(self.epoch)
        transport.stop.connect(self.stop)
        transport.reset.connect(self.reset)
        transport.reseed.connect(self.reseed)
        transport.restart.connect(self.restart)
        column.addWidget(transport)  # stays in view; only the settings under it scroll
        column.addWidget(scroll, 1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("trainingSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.curves)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([340, 700, 380])
        self.sizes_before: list[int] = []  # the splitter before presentation mode
        self.narrow: bool | None = None  # laid out for a narrow panel (None: not laid out yet)
        self.presenting = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(splitter)

        session.catalogued.connect(self._catalogued)
        session.loaded.connect(self._loaded)
        session.reading.connect(self._reading)
        session.thumbnails.connect(self.controls.settings.show_thumbnails)
        session.progressed.connect(self._progressed)
        session.recorded.connect(self._recorded)
        self.curves.timeline.shown.connect(session.show_step)
        self.curves.timeline.branched.connect(self.branch)
        session.stopped.connect(self._stopped)
        session.state_changed.connect(self._state_changed)
        session.sampled.connect(self.views.text_view.add)
        self.views.plane.drawn.connect(self._drawn)
        self.enlarger = Enlarger(self, self._enlargeable, lambda: self.views.plane.drawing.active)
        self.enlarger.watch()
        self.views.text_view.changed.connect(session.set_sampling)
        document.replaced.connect(self._project_replaced)
        document.settings_changed.connect(self._setting_changed)
        document.analysed.connect(self._graph_edited)
        if session.catalogue is not None:
            self._catalogued(session.catalogue)
        self._project_replaced()

    def _enlargeable(self) -> list[QWidget]:
        views = self.views
        return [
            self.curves.loss_plot,
            self.curves.metric_plot,
            *(v for _, column in views.columns for v in column if v is not views.text_view),
        ]

    def present(self, on: bool) -> None:
        """Presentation mode: only the knobs a running training takes, and the data views the
        largest share of the width (then back as it was)."""
        self.presenting = on
        self._show_stage(on)
        self.controls.settings.set_presenting(on)
        self.transport.status.set_lines(4 if on else 3)  # large type in a narrower column
        self.left.setMinimumWidth(0 if on else LEFT_WIDTH)  # large type must not push the window off the screen
        self.curves.controls.setVisible(not on)
        self.curves.set_stacked(on or bool(self.narrow))  # loss over accuracy in a narrow column
        if on:
            self.sizes_before = self.splitter.sizes()
            QTimer.singleShot(0, self._share_width)  # once the window has its full-screen size
        elif self.sizes_before:
            self.splitter.setSizes(self.sizes_before)

    def _show_stage(self, on: bool) -> None:
        """The views the project's stage names, while presenting (every view otherwise), less those an
        assignment hides."""
        stage, assignment = self.document.project.stage, self.document.project.assignment
        hidden = assignment.locks.hidden if assignment else ()
        self.curves.setVisible((not on or "curves" in stage.views) and "curves" not in hidden)
        self.views.present(
            on and "block" in stage.views and "block" not in hidden,
            (not on or "data" in stage.views) and "data" not in hidden,
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        """On a narrow screen (1280 or 1366 wide) loss goes over accuracy and the data views get the room
        they leave, so the input plane and the neurons are shown whole, side by side (set when the width
        crosses NARROW, so a splitter the user dragged stays as it is otherwise)."""
        super().resizeEvent(event)
        narrow = self.width() < NARROW
        if self.presenting or narrow == self.narrow:
            return
        self.narrow = narrow
        self.curves.set_stacked(narrow)
        if narrow:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes(
                [max(LEFT_WIDTH, int(total * NARROW_SHARES[0])), *(int(total * s) for s in NARROW_SHARES[1:])]
            )

    def _share_width(self) -> None:
        total = sum(self.splitter.sizes())
        self.splitter.setSizes([int(total * share) for share in PRESENTED_SHARES])

    def set_theme(self, theme: Theme) -> None:
        self.curves.set_theme(theme)
        self.views.set_theme(theme)
