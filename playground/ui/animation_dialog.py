"""File > Export Animation…: the recorded run drawn step by step by one of the window's views (or the
whole window, or the stage while presenting) into an animated GIF, WebP or PNG for slides (animation.py
grabs and writes; runtime/animation.py lists the views)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QMainWindow,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from playground.runtime.animation import FORMATS, FPS_RANGE, VIEWS, frames_of
from playground.runtime.session import TrainingSession
from playground.ui import plain
from playground.ui.actions import Actions
from playground.ui.animation import Animation, Window, grabber, shown_views
from playground.ui.document import Document
from playground.ui.export_dialog import accept_buttons, path_row
from playground.ui.plain import Label
from playground.ui.window_exports import may_replace


class ExportingWindow(Window, Protocol):
    """The main window, as File > Export Animation… uses it."""

    action_registry: Actions
    session: TrainingSession
    document: Document


class AnimationDialog(QDialog):
    """Asks which view, which steps, how fast and where; ``chosen()`` once accepted."""

    def __init__(self, views: list[str], steps: tuple[int, ...], stem: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("animationDialog")
        self.setWindowTitle("Export Animation")
        self.view = QComboBox()
        self.view.setObjectName("animationView")
        for view in views:
            self.view.addItem(f"{view}: {VIEWS[view]}", view)
        self.first, self.last = QComboBox(), QComboBox()
        self.first.setObjectName("animationFrom")
        self.last.setObjectName("animationTo")
        for box in (self.first, self.last):
            for step in steps:
                box.addItem(f"step {step:,}", step)
        self.last.setCurrentIndex(len(steps) - 1)
        self.fps = QDoubleSpinBox()
        self.fps.setObjectName("animationFps")
        self.fps.setRange(*FPS_RANGE)
        self.fps.setDecimals(0)
        self.fps.setValue(10)
        self.fps.setSuffix(" frames a second")
        self.count = Label()
        self.path = QLineEdit(str(stem.with_suffix(".gif")))
        self.path.setObjectName("animationPath")
        form = QFormLayout()
        form.addRow(Label("View"), self.view)
        form.addRow(Label("From"), self.first)
        form.addRow(Label("To"), self.last)
        form.addRow(Label("Speed"), self.fps)
        form.addRow(Label(), self.count)
        form.addRow(Label("Save to"), path_row(self.path, "animationBrowse", self._browse))
        buttons, self.export = accept_buttons(self, "Export", "animationExport")
        for changed in (self.first.currentIndexChanged, self.last.currentIndexChanged, self.path.textChanged):
            changed.connect(self._check)
        self.fps.valueChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.steps = steps
        self._check()
        self.resize(720, self.sizeHint().height())

    def frames(self) -> list[int]:
        return frames_of(self.steps, self.first.currentData(), self.last.currentData())

    def _check(self) -> None:
        """What the choice makes (frames, seconds), and Export only for a choice that makes something."""
        frames = len(self.frames())
        suffix = Path(self.path.text().strip()).suffix.lower()
        if not frames:
            self.count.setText("'From' is after 'To': no frame")
        elif suffix not in FORMATS:
            self.count.setText(f"The file must end in {', '.join(FORMATS)}")
        else:
            self.count.setText(f"{frames:,} frames, {frames / self.fps.value():.1f} s")
        self.export.setEnabled(bool(frames) and suffix in FORMATS)

    def _browse(self) -> None:
        kinds = ";;".join(f"{form} (*{suffix})" for suffix, form in FORMATS.items())
        found, _ = QFileDialog.getSaveFileName(self, "Export Animation", self.path.text(), kinds)
        if found:
            self.path.setText(found)

    def chosen(self) -> tuple[str, list[int], float, Path]:
        return self.view.currentData(), self.frames(), self.fps.value(), Path(self.path.text().strip()).expanduser()


class AnimationExports(QObject):
    """File > Export Animation… for ``window``: asks, pauses the run, draws every frame with a progress
    dialog that cancels, and says what was written."""

    def __init__(self, window: ExportingWindow) -> None:
        super().__init__(cast(QMainWindow, window))
        self.window = window
        self.act_export = window.action_registry.add("Export Animation…", self.open_dialog, name="export_animation")

    def open_dialog(self) -> None:
        window, frame = self.window, cast(QMainWindow, self.window)
        timeline = window.training.curves.timeline
        if len(timeline.steps) < 2:
            plain.inform(
                frame,
                "Export Animation",
                "Nothing is recorded to animate yet: train the network (or open a run with File > Open Run…), "
                "then export.",
            )
            return
        path = window.document.path or Path.cwd() / "untitled"
        dialog = AnimationDialog(shown_views(window), timeline.steps, path.with_suffix(""), frame)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        view, steps, fps, target = dialog.chosen()
        if target.exists() and not may_replace(frame, [target]):
            return
        if window.session.state == "running":
            window.session.pause()  # the keyframes stay as they are while they are drawn
        progress = QProgressDialog(f"Drawing {len(steps):,} frames…", "Cancel", 0, len(steps), frame)
        progress.setObjectName("animationProgress")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        animation = Animation(timeline, grabber(window, view), steps, target, fps, self)
        animation.progressed.connect(lambda done, _: progress.setValue(done))
        progress.canceled.connect(animation.cancel)

        def finished(why: str) -> None:
            progress.canceled.disconnect(animation.cancel)
            progress.close()
            animation.deleteLater()
            if why:
                plain.warn(frame, "Export Animation", why)
            else:
                frame.statusBar().showMessage(f"Wrote {len(steps):,} frames to {target}", 12000)

        animation.finished.connect(finished)
        animation.start()
