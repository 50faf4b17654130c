"""Presenting in class (View menu): full screen, presentation mode, and the UI scale (every font of
the window; the canvas zooms with it).

Presentation mode is full screen with the editing panes put away: the palette, the inspector and
the toolbar hide, the lecture notes are a side panel toggled with Ctrl+Shift+N (hidden at first:
the class looks at the views), the training dock takes most of the height and its data views over
half of its width (about 40 % of the screen),
and only the transport and the knobs a running training takes are left of the settings. It starts
at a UI scale that makes the smallest text of the window large enough for the back row (16 px at
720 lines, 22 px at 1080), and Esc, F5 or leaving full screen restores the window as it was.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFontInfo, QScreen
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QStackedWidget, QToolBar

from playground.ui.actions import Actions
from playground.ui.canvas.scene import GraphScene
from playground.ui.canvas.view import CanvasView
from playground.ui.document import Document
from playground.ui.plots.block_view import BlockLiveView
from playground.ui.settings_file import setting, settings
from playground.ui.stage_network import StageNetwork
from playground.ui.theme import (
    SCALE_RANGE,
    SCALE_STEP,
    Theme,
    base_point_size,
    canvas_font,
    refresh_fonts,
    set_ui_scale,
    smallest_text_px,
    ui_scale,
)
from playground.ui.training_panel import TrainingPanel

SMALLEST_POINT_SIZE = 9.0  # the smallest font a widget or plot uses at scale 1 (legends, the palette's headings)
TRAINING_SHARE = (0.6, 0.8)  # of the height, for the training dock in presentation: what the network leaves
NOTES_SHARE = 0.2  # of the width, for the lecture notes beside it
EDITING_DOCKS = ("paletteDock", "inspectorDock")


def presentation_scale(screen_height: int) -> float:
    """The UI scale at which the window's smallest font is ``smallest_text_px`` high."""
    smallest = QFontInfo(canvas_font(min(SMALLEST_POINT_SIZE, base_point_size()))).pixelSize()  # at scale 1
    return min(max(smallest_text_px(screen_height) / smallest, SCALE_RANGE[0]), SCALE_RANGE[1])


class PresentedWindow(QMainWindow):
    """What presenting changes (MainWindow is one): a main window with its canvas (``view``), the network drawn for the stage,
    the training panel, the block's live view, the document (the stage's block to follow) and the scene."""

    view: CanvasView
    centre: QStackedWidget
    stage_network: StageNetwork
    training: TrainingPanel
    block_view: BlockLiveView
    document: Document
    scene: GraphScene
    toolbar: QToolBar
    theme: Theme

    def dock(self, name: str) -> QDockWidget:
        """The window's dock of that object name (each is made with the window)."""
        found = self.findChild(QDockWidget, name)
        if found is None:
            raise LookupError(f"the window has no dock {name!r}")
        return found

    def show_stage_network(self) -> None:
        """Show the network drawn for the stage in the centre."""
        raise NotImplementedError

    def pick_on_stage(self, block_id: str) -> None:
        """Follow ``block_id`` in the stage's block view."""
        raise NotImplementedError


class Presenter(QObject):
    def __init__(self, window: PresentedWindow, actions: Actions) -> None:
        super().__init__(window)
        self.window = window
        self.presenting = False
        self.saved_state: QByteArray | None = None
        self.saved_scale = 1.0
        self.saved_place = window.view.place()  # the canvas's zoom and centre before presenting
        self.was_maximised = False
        self.normal_geometry = window.geometry()
        self.act_full_screen = actions.add("Full Screen", self.toggle_full_screen, "F11", name="full_screen")
        self.act_full_screen.setCheckable(True)
        self.act_presentation = actions.add("Presentation", self.toggle_presentation, "F5", name="presentation")
        self.act_presentation.setCheckable(True)
        self.act_larger = actions.add("Larger", self.larger, ["Ctrl+Shift+=", "Ctrl+Shift++"], name="ui_larger")
        self.act_smaller = actions.add("Smaller", self.smaller, ["Ctrl+Shift+-", "Ctrl+Shift+_"], name="ui_smaller")
        saved = min(max(setting("ui_scale", 1.0), SCALE_RANGE[0]), SCALE_RANGE[1])
        if saved != 1.0 or ui_scale() != 1.0:  # at 100 % everything is built at its scale already
            self.set_scale(saved, remember=False)
        self.act_smaller.setEnabled(ui_scale() > SCALE_RANGE[0])

    def actions(self) -> list[QAction]:
        return [self.act_presentation, self.act_full_screen, self.act_larger, self.act_smaller]

    # --- the UI scale ---------------------------------------------------------------------
    def larger(self) -> None:
        self.set_scale(ui_scale() + SCALE_STEP)

    def smaller(self) -> None:
        self.set_scale(ui_scale() - SCALE_STEP)

    def set_scale(self, scale: float, remember: bool = True) -> None:
        """Every font of the window, the canvas's blocks and wires, and the plots at ``scale``
        (remembered in the settings, except for the scale presentation mode chooses)."""
        window = self.window
        scale = set_ui_scale(scale)
        refresh_fonts(window)
        window.view.set_ui_scale(scale)
        window.training.set_theme(window.theme)
        window.block_view.set_theme(window.theme)
        self.act_larger.setEnabled(scale < SCALE_RANGE[1])
        self.act_smaller.setEnabled(scale > SCALE_RANGE[0])
        if remember and not self.presenting:
            settings().setValue("ui_scale", scale)
            window.statusBar().showMessage(f"UI scale {scale:.0%}", 3000)

    # --- full screen and presentation ---------------------------------------------------------
    def toggle_full_screen(self) -> None:
        if self.window.isFullScreen():
            self.leave()
        else:
            self.was_maximised = self.window.isMaximized()
            self._full_screen()
            self._update_actions()

    def toggle_presentation(self) -> None:
        if self.presenting:
            self.leave()
        else:
            self.present()

    def present(self) -> None:
        window = self.window
        if not window.isFullScreen():
            self.was_maximised = window.isMaximized()
        self.saved_state = window.saveState()
        self.saved_scale = ui_scale()
        self.saved_place = window.view.place()
        self.presenting = True
        for name in EDITING_DOCKS:
            window.dock(name).hide()
        window.dock("notesDock").hide()
        window.toolbar.hide()
        window.statusBar().hide()
        window.centre.setCurrentWidget(window.stage_network)
        window.show_stage_network()
        window.stage_network.setFocus()  # the canvas, hidden, would keep the keys
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)  # notes: full height
        self._full_screen()
        room = self._screen().geometry()
        self.set_scale(presentation_scale(room.height()), remember=False)
        window.training.present(True)
        follow = window.document.project.stage.follow  # the block this lecture's stage follows
        if follow in window.document.root.blocks and not window.scene.selected_block_ids():
            window.pick_on_stage(follow)
        QTimer.singleShot(0, self._share_screen)  # once the window has its full-screen size
        self._update_actions()

    def _share_screen(self) -> None:
        if not self.presenting:  # left again before the window had its full-screen size
            return
        window, room = self.window, self._screen().geometry()
        notes = window.dock("notesDock")
        window.resizeDocks([notes], [int(room.width() * NOTES_SHARE)], Qt.Orientation.Horizontal)
        training = window.dock("trainingDock")
        network = window.stage_network.wanted_height(room.width()) + 2 * window.menuBar().height()
        share = min(max(1 - network / room.height(), TRAINING_SHARE[0]), TRAINING_SHARE[1])
        window.resizeDocks([training], [int(room.height() * share)], Qt.Orientation.Vertical)

    def escape(self) -> bool:
        """Esc (outside a field): leave presentation mode and full screen, if the window is in one."""
        if not (self.presenting or self.window.isFullScreen()):
            return False
        self.leave()
        return True

    def leave(self) -> None:
        """Out of presentation mode and full screen, back to the window as it was."""
        window = self.window
        if self.presenting:
            self.presenting = False
            window.training.present(False)
            self.set_scale(self.saved_scale, remember=False)
            window.toolbar.show()
            window.statusBar().show()
            window.centre.setCurrentIndex(0)
            window.view.setFocus()
            window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
            if self.saved_state is not None:
                window.restoreState(self.saved_state)
            window.view.go_to(self.saved_place)  # now, or once the docks have given it its size back
        if window.isFullScreen():
            if self.was_maximised:
                window.showMaximized()
            else:
                window.showNormal()
                window.setGeometry(self.normal_geometry)
        self._update_actions()

    def _screen(self) -> QScreen:
        return self.window.screen() or QApplication.primaryScreen()

    def _full_screen(self) -> None:
        """Full screen, and the whole screen's geometry (a window manager would give it; without one,
        under a bare X server, the window would keep its size)."""
        if not self.window.isFullScreen():
            self.normal_geometry = self.window.geometry()
            self.window.setGeometry(self._screen().geometry())
        self.window.showFullScreen()

    def _update_actions(self) -> None:
        full = self.window.isFullScreen()
        self.act_full_screen.setChecked(full)
        self.act_presentation.setChecked(self.presenting)
