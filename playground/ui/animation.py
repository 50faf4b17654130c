"""Animations for slides: the steps of a recorded run drawn one after another by the window's own views,
each frame grabbed once the window has drawn it, and written as an animated GIF (WebP, PNG) by Pillow.
File > Export Animation… (animation_dialog.py) and ``playground animate`` (animate_command.py) use it;
runtime/animation.py says which views and steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, cast

from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from playground.core.files import atomic_write
from playground.runtime.animation import FORMATS, VIEWS
from playground.ui.canvas.view import CanvasView
from playground.ui.plots.curves import REDRAW_MS
from playground.ui.presenting import Presenter
from playground.ui.stage_network import StageNetwork
from playground.ui.timeline import Timeline
from playground.ui.training_panel import TrainingPanel


class Window(Protocol):
    """What an animation draws from: the main window (a QWidget) and its parts."""

    training: TrainingPanel
    presenter: Presenter
    view: CanvasView
    stage_network: StageNetwork


FRAME_WAIT_MS = 60_000  # the training process draws a step well within this, or has stopped answering


class NotShown(Exception):
    """The view to grab is not shown by this run (the message says which are)."""


def view_widgets(window: Window) -> dict[str, QWidget]:
    """The widget that shows each view of runtime/animation.py's VIEWS in ``window`` now."""
    views, presenting = window.training.views, window.presenter.presenting
    found: dict[str, QWidget] = {
        "window": cast(QWidget, window),
        "curves": window.training.curves,
        "network": window.stage_network if presenting else window.view,
        "plane": views.plane,
        "neurons": views.neuron_view,
        "text": views.text_view,
    }
    if presenting:
        found["stage"] = cast(QWidget, window)
    found.update({kind.id: widget for kind, widget in views.widgets.items() if kind.id in VIEWS})
    return found


def shown_views(window: Window) -> list[str]:
    """The ids of the views ``window`` shows now, in VIEWS' order."""
    widgets = view_widgets(window)
    return [view for view in VIEWS if view in widgets and widgets[view].isVisible()]


def grabber(window: Window, view: str) -> Callable[[], QImage]:
    """What grabs ``view`` as ``window`` draws it (NotShown when the window does not show it)."""

    def grab() -> QImage:
        widget = view_widgets(window).get(view)
        if widget is None or not widget.isVisible():
            raise NotShown(f"'{view}' is not shown by this run; it shows: {', '.join(shown_views(window))}")
        return widget.grab().toImage()

    return grab


def picture(image: QImage, for_gif: bool) -> Image.Image:
    """``image`` as Pillow's: for a GIF, its 256 colours chosen now (without dithering, which would make
    a still area flicker from frame to frame) so that a long animation is held at a third of the size."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    size = (rgb.width(), rgb.height())
    frame = Image.frombuffer("RGB", size, bytes(rgb.constBits()), "raw", "RGB", rgb.bytesPerLine(), 1)
    if for_gif:
        return frame.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return frame.copy()


def write_animation(frames: Sequence[Image.Image], path: Path, fps: float) -> None:
    """``frames`` as an animation that loops, ``fps`` a second, into ``path`` (whole or not at all)."""
    form = FORMATS[path.suffix.lower()]
    size = frames[0].size
    same = [frame if frame.size == size else frame.resize(size) for frame in frames]
    atomic_write(
        path,
        lambda tmp: same[0].save(
            tmp, format=form, save_all=True, append_images=same[1:], duration=round(1000 / fps), loop=0
        ),
    )


class Animation(QObject):
    """Shows ``steps`` on the timeline one by one, grabs each once drawn, then writes ``path``."""

    progressed = Signal(int, int)  # frames grabbed, of how many
    finished = Signal(str)  # "" once the file is written, else why not (one line)

    def __init__(
        self,
        timeline: Timeline,
        grab: Callable[[], QImage],
        steps: Sequence[int],
        path: Path,
        fps: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.timeline, self.grab, self.steps, self.path, self.fps = timeline, grab, list(steps), path, fps
        self.frames: list[Image.Image] = []
        self.was_at: int | None = None
        self.running = False
        self.not_shown = False  # it ended because the window does not show the view
        self.settle = QTimer(self)  # the canvas is drawn a third of a frame after the plots (live.py)
        self.settle.setSingleShot(True)
        self.settle.setInterval(REDRAW_MS)
        self.settle.timeout.connect(self._grab)
        self.waiting = QTimer(self)
        self.waiting.setSingleShot(True)
        self.waiting.setInterval(FRAME_WAIT_MS)
        self.waiting.timeout.connect(self._stalled)

    def start(self) -> None:
        self.running = True
        self.was_at = self.timeline.step()
        self.timeline.stop_replay()
        self.timeline.drawn_at.connect(self._drawn)
        self._ask()

    def cancel(self) -> None:
        self._end("Cancelled: nothing was written")

    def _ask(self) -> None:
        self.waiting.start()
        self.timeline.show_step(self.steps[len(self.frames)])

    def _drawn(self, step: int) -> None:
        if len(self.frames) < len(self.steps) and step == self.steps[len(self.frames)]:
            self.waiting.stop()
            self.settle.start()

    def _grab(self) -> None:
        try:
            image = self.grab()
        except NotShown as exc:
            self.not_shown = True
            self._end(str(exc))
            return
        self.frames.append(picture(image, FORMATS[self.path.suffix.lower()] == "GIF"))
        self.progressed.emit(len(self.frames), len(self.steps))
        if len(self.frames) < len(self.steps):
            self._ask()
            return
        try:
            write_animation(self.frames, self.path, self.fps)
        except OSError as exc:
            self._end(f"{self.path}: was not written ({exc.strerror or exc})")
        else:
            self._end("")

    def _stalled(self) -> None:
        step = self.steps[len(self.frames)]
        self._end(f"Step {step:,} was not drawn within {FRAME_WAIT_MS // 1000} s: nothing was written")

    def _end(self, why: str) -> None:
        if not self.running:
            return
        self.running = False
        self.waiting.stop()
        self.settle.stop()
        self.timeline.drawn_at.disconnect(self._drawn)
        self.frames.clear()
        self.timeline.show_step(self.was_at)
        self.finished.emit(why)
