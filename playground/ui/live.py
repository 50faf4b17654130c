"""What the worker sees inside the network, drawn where the student looks: per-unit heatmaps inside
the blocks, gradient flow on the wires, and the selected block's live plots in the inspector."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

from playground.runtime.messages import CellImages, Loaded, Snapshot
from playground.runtime.session import TrainingSession
from playground.ui.canvas.scene import GraphScene
from playground.ui.cell_images import CellImagesDialog
from playground.ui.plots.block_view import BlockLiveView
from playground.ui.plots.colors import unit_images
from playground.ui.plots.curves import REDRAW_MS
from playground.ui.training_panel import TrainingPanel


class LiveViews(QObject):
    def __init__(
        self, session: TrainingSession, scene: GraphScene, block_view: BlockLiveView, panel: TrainingPanel
    ) -> None:
        super().__init__(scene)
        self.session, self.scene, self.block_view, self.panel = session, scene, block_view, panel
        self.curves = panel.curves
        self.last: Snapshot | None = None
        self.pending: Snapshot | None = None
        session.snapshotted.connect(self.receive)
        session.loaded.connect(self._loaded)
        session.state_changed.connect(self._state_changed)
        panel.controls.show_units.toggled.connect(self._redraw)
        panel.controls.show_flow.toggled.connect(self._redraw)
        block_view.example.valueChanged.connect(lambda _: self.focus(self.block_view.block))
        block_view.cell_clicked.connect(session.show_cell)
        self.cells = CellImagesDialog(block_view)
        session.cell_shown.connect(self._cell_shown)
        scene.unit_hovered.connect(panel.views.plane.show_unit)
        scene.document.level_changed.connect(self._redraw)

    def _at_top(self) -> bool:
        """The worker reports the whole network's blocks: inside a group the canvas shows none of them."""
        return not self.scene.document.level

    def focus(self, block_id: str | None) -> None:
        block_id = block_id if self._at_top() else None
        self.block_view.show_block(block_id)
        if block_id is None:
            self.panel.views.show_detail(None, 0)
        self.session.set_focus(block_id, self.block_view.example.value())

    def receive(self, snapshot: Snapshot) -> None:
        """Show ``snapshot`` halfway between two redraws of the curves: Qt paints all changed widgets of
        a window in one pass, and the curves and these views together would hold the GUI up too long."""
        if snapshot.recorded and snapshot.run == self.session.run:  # asked for by a move of the timeline: now
            self.pending = None
            self.show(snapshot)
            return
        scheduled = self.pending is not None
        self.pending = snapshot
        if scheduled:
            return
        period = REDRAW_MS / 1000
        phase = (time.perf_counter() - self.curves.redrawn_at) % period
        QTimer.singleShot(round(((period / 3 - phase) % period) * 1000), self._show_pending)

    def _show_pending(self) -> None:
        snapshot, self.pending = self.pending, None
        if snapshot is not None and snapshot.run == self.session.run:
            self.show(snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """The plots now and, a third of a frame later (in a paint pass of its own), the canvas."""
        self.last = snapshot
        self.panel.views.show_snapshot(snapshot)
        if snapshot.recorded:
            self.panel.curves.timeline.drawn(snapshot.step)
        else:  # the norms' history is the run's, drawn as it trains
            self.block_view.add_norms(snapshot.step, snapshot.grad_norms)
        if snapshot.detail is not None:
            self.block_view.show_detail(snapshot.detail)
            self.panel.views.show_detail(snapshot.detail, self.block_view.example.value())
        QTimer.singleShot(REDRAW_MS // 3, self._redraw)

    def _loaded(self, message: Loaded) -> None:
        self.clear()
        self.block_view.cells_open = "predictions" in message.views  # an image classifier

    def _cell_shown(self, cell: CellImages) -> None:
        if cell.run == self.session.run:
            self.cells.show_cell(cell)

    def clear(self, *_: object) -> None:
        self.last = None
        self.block_view.clear()
        self.scene.show_units({})
        self.scene.show_flow(None)

    def _state_changed(self, state: str) -> None:
        if state == "idle":
            self.clear()

    def _redraw(self) -> None:
        snapshot = self.last if self._at_top() else None
        units = self.panel.controls.show_units.isChecked() and snapshot is not None
        self.scene.show_units(unit_images(snapshot.plane.units) if snapshot is not None and units else {})
        flow = self.panel.controls.show_flow.isChecked()
        self.scene.show_flow(snapshot.wire_gradients if snapshot is not None and flow else None)
