"""The main window: canvas in the centre, palette and inspector docks, menus, files, autosave."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QMoveEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QStackedWidget,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from playground.runtime.session import TrainingSession
from playground.ui.actions import Actions
from playground.ui.animation_dialog import AnimationExports
from playground.ui.block_menu import BlockMenu
from playground.ui.breadcrumb import Breadcrumb
from playground.ui.canvas.scene import GraphScene
from playground.ui.canvas.view import CanvasView
from playground.ui.document import Document
from playground.ui.forms import guard_from_the_wheel
from playground.ui.help import GETTING_STARTED, TextWindow, about_markdown, documentation_markdown, shortcuts_markdown
from playground.ui.inspector import Inspector
from playground.ui.keys import WindowKeys
from playground.ui.live import LiveViews
from playground.ui.notes import NotesPanel
from playground.ui.palette import Palette
from playground.ui.plain import Label
from playground.ui.plots.block_view import BlockLiveView
from playground.ui.presenting import PresentedWindow, Presenter
from playground.ui.settings_file import setting, settings
from playground.ui.stage_network import StageNetwork
from playground.ui.theme import LIGHT, THEMES, application, apply_palette
from playground.ui.training_panel import TrainingPanel
from playground.ui.window_assignment import Assignments
from playground.ui.window_editing import Editing
from playground.ui.window_exports import ModelExports
from playground.ui.window_files import ProjectFiles
from playground.ui.window_groups import GroupEditing
from playground.ui.window_imports import ModelImports
from playground.ui.window_library import MyBlocks


class MainWindow(PresentedWindow):
    """Composes the window: the document, canvas, docks and training session, and the controllers of
    its menus (files, exports, imports, groups, My blocks, presenting), each given what it works on."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.document = Document(self)
        self.action_registry = Actions(self)
        self._framed = False  # the window manager has given the window its frame (see moveEvent)
        self.theme = THEMES.get(setting("theme", "light"), LIGHT)
        self.scene = GraphScene(self.document, self.theme, self)
        self.view = CanvasView(self.scene)
        self.stage_network = StageNetwork(self.theme)  # what presentation mode shows of the network
        self.centre = QStackedWidget()
        self.centre.addWidget(self._canvas_with_breadcrumb())
        self.centre.addWidget(self.stage_network)
        self.setCentralWidget(self.centre)
        self.palette_widget = Palette()
        self.inspector = Inspector(self.document)
        self.session = TrainingSession(self)
        self.training = TrainingPanel(self.document, self.session, self.theme)
        self.block_view = BlockLiveView(self.theme)
        self.inspector.add_live_view(self.block_view)
        self.block_view.scroll_with(self.inspector.scroller)
        self.live = LiveViews(self.session, self.scene, self.block_view, self.training)
        self.notes = NotesPanel(self.document)
        self._docks()
        self._controllers()
        self._actions()
        self._menus_and_toolbar()
        self.stats = Label()
        self.statusBar().addPermanentWidget(self.stats)
        self.document.path_changed.connect(self._update_title)
        self.document.analysed.connect(self._update_stats)
        self.document.refused.connect(lambda text: self.statusBar().showMessage(f"Not done: {text}", 8000))
        self.document.said.connect(lambda text: self.statusBar().showMessage(text, 12000))
        self.scene.hint.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.scene.selectionChanged.connect(self._selection_changed)
        self.document.analysed.connect(self.show_stage_network)
        self.stage_network.picked.connect(self.pick_on_stage)
        self.palette_widget.chosen.connect(self.editing.add_block_at_centre)
        for changed in (self.document.level_changed, self.document.replaced):
            changed.connect(lambda: self.palette_widget.tree.set_inside_group(bool(self.document.level)))
        self.view.block_menu_requested.connect(self.show_block_menu)
        self.session.fields_known.connect(self.inspector.fields_known)
        self.keys = WindowKeys(self, self.view, self.act_play.trigger, self._revert_fields, self._escape)
        guard_from_the_wheel(self)  # the values built so far; generated editors guard themselves (forms.py)
        self.resize(1400, 860)
        self._restore_layout()
        self._update_title()
        self._update_stats(self.document.analysis)
        for problem in (settings().problem, self.files.recovery.problem):
            if problem:
                self.statusBar().showMessage(problem, 15000)

    # --- layout ------------------------------------------------------------------------
    def _canvas_with_breadcrumb(self) -> QWidget:
        self.breadcrumb = Breadcrumb(self.document)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.breadcrumb)
        column.addWidget(self.view, 1)
        # once the breadcrumb, shown or hidden, has resized the canvas
        self.document.level_changed.connect(lambda: QTimer.singleShot(0, self.view.zoom_to_fit))
        return holder

    def _docks(self) -> None:
        for widget, title, area, name in (
            (self.palette_widget, "Blocks", Qt.DockWidgetArea.LeftDockWidgetArea, "paletteDock"),
            (self.inspector.scroller, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea, "inspectorDock"),
            (self.training, "Training", Qt.DockWidgetArea.BottomDockWidgetArea, "trainingDock"),
            (self.notes, "Lecture notes", Qt.DockWidgetArea.RightDockWidgetArea, "notesDock"),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
        self.resizeDocks([self.dock("paletteDock")], [230], Qt.Orientation.Horizontal)
        self.resizeDocks([self.dock("inspectorDock")], [320], Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.dock("inspectorDock"), self.dock("notesDock"))
        self.dock("inspectorDock").raise_()
        self.resizeDocks([self.dock("trainingDock")], [330], Qt.Orientation.Vertical)

    def _controllers(self) -> None:
        actions, say = self.action_registry, self.statusBar().showMessage
        self.editing = Editing(self.document, self.scene, self.view, actions, say)
        self.exports = ModelExports(self, self.document, self.session, self.training, self.view, actions, say)
        self.files = ProjectFiles(
            self,
            self.document,
            self.notes,
            self.view,
            self.exports,
            actions,
            say,
            lambda: self.theme,
            lambda: self.dock("notesDock").raise_(),
            self._update_title,
        )
        self.imports = ModelImports(
            self,
            self.document,
            self.training,
            self.statusBar(),
            actions,
            self.files.open_path,
            lambda: self.dock("trainingDock").raise_(),
        )
        self.groups = GroupEditing(self.document, self.scene, actions, say)
        self.library = MyBlocks(self, self.document, self.scene, self.view, self.palette_widget, actions, say)
        self.presenter = Presenter(self, actions)
        self.assignments = Assignments(self, self.document, self.session, actions, say)

    def _actions(self) -> None:
        sp = QStyle.StandardPixmap
        key = QKeySequence.StandardKey
        self.act_quit = self.action_registry.add("Quit", self.close, key.Quit)
        self.act_undo = self.document.undo_stack.createUndoAction(self, "Undo")
        self.act_undo.setShortcuts(QKeySequence.keyBindings(key.Undo))
        self.act_undo.setIcon(self.style().standardIcon(sp.SP_ArrowBack))
        self.act_redo = self.document.undo_stack.createRedoAction(self, "Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.setIcon(self.style().standardIcon(sp.SP_ArrowForward))
        for action in (self.act_undo, self.act_redo):
            self.addAction(action)
        self.act_zoom_in = self.action_registry.add(
            "Zoom In", lambda: self.view.zoom_by(1.25), ["Ctrl+=", "Ctrl+Num++"]
        )  # not Ctrl++: a keyboard's Ctrl+Shift+= is Ctrl++ (Larger's)
        self.act_zoom_out = self.action_registry.add("Zoom Out", lambda: self.view.zoom_by(0.8), "Ctrl+-")
        self.act_fit = self.action_registry.add("Zoom to Fit", self.view.zoom_to_fit, "Ctrl+0")
        self.act_dark = self.action_registry.add("Dark Theme", self.toggle_theme, "Ctrl+Shift+T", name="dark_theme")
        self.act_dark.setCheckable(True)
        self.act_dark.setChecked(self.theme.name == "dark")
        self.act_play = self.action_registry.add("Play/Pause", self.training.toggle_play, "Space", name="play_pause")
        self.act_step = self.action_registry.add("Step", self.training.step, "Ctrl+Right", name="step")
        self.act_epoch = self.action_registry.add("Epoch", self.training.epoch, "Ctrl+Shift+Right", name="epoch")
        self.act_open_run = self.action_registry.add("Open Run…", self.open_run_dialog, name="open_run")
        self.animations = AnimationExports(self)
        self.act_reset = self.action_registry.add("Reset", self.training.reset, "Ctrl+R", name="reset")
        self.view.space_tapped.connect(self.act_play.trigger)
        self.act_started = self.action_registry.add(
            "Getting Started", self.show_getting_started, name="getting_started"
        )
        self.act_shortcuts = self.action_registry.add("Keyboard Shortcuts", self.show_shortcuts, "F1", name="shortcuts")
        self.act_docs = self.action_registry.add("Documentation", self.show_documentation, name="documentation")
        self.act_about = self.action_registry.add("About Playground", self.show_about, name="about")

    def open_run_dialog(self) -> None:
        """File > Open Run…: a folder ``playground train --record`` wrote, opened on this project's network."""
        start = str(self.document.path.parent) if self.document.path else str(Path.cwd())
        folder = QFileDialog.getExistingDirectory(self, "Open a recorded run (its folder)", start)
        if folder:
            self.training.open_run(Path(folder))

    def _menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        files = self.files
        file_menu.addActions(
            [files.act_new, files.act_open, files.act_preset, self.act_open_run, self.imports.act_import]
        )
        file_menu.addMenu(files.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([files.act_save, files.act_save_as, files.act_revert])
        file_menu.addSeparator()
        file_menu.addAction(self.assignments.act_new)
        file_menu.addSeparator()
        file_menu.addActions([self.exports.act_export, self.animations.act_export, self.exports.act_save_weights])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addActions(self.editing.clipboard_actions())
        edit.addSeparator()
        edit.addActions([*self.groups.actions(), self.library.act_save_to_library])
        edit.addSeparator()
        edit.addAction(self.editing.act_select_all)
        view = bar.addMenu("&View")
        view.addActions([self.act_zoom_in, self.act_zoom_out, self.act_fit])
        view.addSeparator()
        view.addActions([self.editing.act_layout, self.act_dark])
        view.addSeparator()
        view.addActions(self.presenter.actions())
        notes = self.dock("notesDock").toggleViewAction()
        notes.setObjectName("lecture_notes")
        notes.setShortcut(QKeySequence("Ctrl+Shift+N"))
        view.addAction(notes)
        self.addAction(notes)  # one of the window's shortcuts: listed in Help > Keyboard Shortcuts
        train = bar.addMenu("&Training")
        train.addActions([self.act_play, self.act_step, self.act_epoch, self.act_reset])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_started, self.act_shortcuts, self.act_docs])
        help_menu.addSeparator()
        help_menu.addAction(self.act_about)
        self.toolbar = tools = QToolBar("Main", self)
        tools.setObjectName("mainToolbar")
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tools.addActions([files.act_new, files.act_open, files.act_save])
        tools.addSeparator()
        tools.addActions([self.act_undo, self.act_redo, self.editing.act_delete])
        tools.addSeparator()
        tools.addActions([self.act_fit, self.editing.act_layout])
        self.addToolBar(tools)

    def toggle_theme(self) -> None:
        self.theme = THEMES["dark" if self.act_dark.isChecked() else "light"]
        settings().setValue("theme", self.theme.name)
        apply_palette(application(), self.theme)
        self.scene.set_theme(self.theme)
        self.training.set_theme(self.theme)
        self.block_view.set_theme(self.theme)
        self.stage_network.set_theme(self.theme)
        self.view.viewport().update()

    def show_block_menu(self, block_id: str, where: QPoint) -> None:
        menu = BlockMenu(
            self.document, block_id, self, self.scene, self.editing.duplicate, self.library.save_group_to_library
        )
        menu.exec(where)

    def _escape(self) -> bool:
        """Esc outside a field: an enlarged view goes back first, then presentation and full screen."""
        return self.training.enlarger.restore() or self.presenter.escape()

    def _revert_fields(self) -> None:
        """Esc in a field: show the values that stand again."""
        self.inspector.refresh(self.document.analysis)
        self.training.controls.settings.show_settings()

    # --- help -----------------------------------------------------------------------------
    def _text_window(self, title: str, markdown: str, name: str) -> None:
        window = TextWindow(title, markdown, name, self)
        window.finished.connect(window.deleteLater)
        window.open()

    def show_getting_started(self) -> None:
        self._text_window("Getting started", GETTING_STARTED, "gettingStarted")

    def show_shortcuts(self) -> None:
        self._text_window("Keyboard shortcuts", shortcuts_markdown(self.actions()), "shortcutsWindow")

    def show_documentation(self) -> None:
        self._text_window("Documentation", documentation_markdown(), "documentationWindow")

    def show_about(self) -> None:
        devices = self.session.catalogue.devices if self.session.catalogue else None
        self._text_window("About Playground", about_markdown(devices), "aboutWindow")

    # --- status -------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        ids = self.scene.selected_block_ids()
        if len(ids) == 1 and not self.assignments.goals_in_front():  # the goals stay; the notes give way
            self.dock("inspectorDock").raise_()
        self.inspector.show_block(ids[0] if len(ids) == 1 else None)
        self.live.focus(ids[0] if len(ids) == 1 else None)
        self.stage_network.set_selected(ids if not self.document.level else [])

    def show_stage_network(self, _analysis: object = None) -> None:
        """The network as presentation shows it, kept up to date while it is shown."""
        if self.presenter.presenting:
            self.stage_network.show_network(self.document.root, self.document.root_analysis)

    def pick_on_stage(self, block_id: str) -> None:
        """A card clicked in presentation: its block selected, as a click on the canvas would."""
        if self.document.level:
            self.document.enter([])
        self.scene.select_blocks([block_id])

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.name}[*] — Playground")
        self.setWindowModified(self.document.modified)
        self.files.act_revert.setEnabled(self.document.preset is not None)

    def _update_stats(self, _level: object) -> None:
        analysis = self.document.root_analysis
        problems = len(analysis.problems)
        self.stats.setText(
            f"{len(self.document.root.blocks)} blocks · {analysis.total_params:,} parameters · "
            + (f"{problems} problem{'s' if problems != 1 else ''}" if problems else "no problems")
        )

    def _restore_layout(self) -> None:
        geometry, state = setting("geometry", None), setting("windowState", None)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._fit_screen()

    def _fit_screen(self) -> None:
        """Never larger than the screen's available area (a 1280x720 projector), and on it."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        room = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        width = min(self.width(), room.width() - frame.width())
        height = min(self.height(), room.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not room.contains(self.frameGeometry()):
            self.move(room.topLeft())

    def moveEvent(self, event: QMoveEvent) -> None:
        """The window manager has framed the window (its title bar and borders are known only now): the
        frame, too, must fit the screen, or the status bar ends below a 720-line projector's edge."""
        super().moveEvent(event)
        if not self._framed and self.isVisible() and self.frameGeometry().size() != self.geometry().size():
            self._framed = True
            if not (self.isMaximized() or self.isFullScreen()):
                self._fit_screen()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.files.autosave.stop()
        self.imports.stop()
        self.session.shutdown()
        self.scene.detach()
        self.files.recovery.discard(self.files.recovery_key())
        store = settings()
        store.setValue("geometry", self.saveGeometry())
        store.setValue("windowState", self.saveState())
        event.accept()
