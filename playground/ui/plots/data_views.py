"""The pane beside the curves: what the network answers, shown the way its data calls for — the input
plane (2-D), the function (1-D), the graph, forecasts, masks, an autoencoder's codes and
reconstructions, a VAE's decoded code plane and prior samples, generated 2-D points, the cart-pole,
an embedding table, or the text a language model writes; for a 2-D input also every neuron over the
plane (neuron_view.py). Only the views a run fills are shown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, cast

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from playground.runtime.live_views import (
    CURVE,
    EPISODE,
    FORECAST,
    GENERATED,
    GRID,
    LATENT,
    MASKS,
    NODES,
    PREDICTIONS,
    PRIOR,
    RECONSTRUCTIONS,
    WEIGHTS,
    ViewKind,
)
from playground.runtime.messages import BlockDetail, Loaded, Snapshot
from playground.ui.plots.cartpole_view import CartPoleView
from playground.ui.plots.forecast_view import ForecastView
from playground.ui.plots.graph_view import GraphView
from playground.ui.plots.images_view import ImagesView
from playground.ui.plots.latent_view import LatentView
from playground.ui.plots.lecture_view import LectureBlockView
from playground.ui.plots.matrix_view import MatrixView
from playground.ui.plots.neuron_view import NeuronView
from playground.ui.plots.plane import PlaneView
from playground.ui.plots.predictions_view import PredictionsView
from playground.ui.plots.samples_view import SamplesView
from playground.ui.plots.text_view import TextView
from playground.ui.theme import Theme


class ViewWidget(Protocol):
    """A widget that shows one live view's payload (a dataclass of runtime/messages.py), with the
    lifecycle every such widget shares: shown with a payload, cleared (forgets what it showed), hidden."""

    def show_payload(self, payload: Any) -> None: ...

    def clear(self) -> None: ...

    def set_theme(self, theme: Theme) -> None: ...

    def show(self) -> None: ...

    def hide(self) -> None: ...

    def isHidden(self) -> bool: ...


class DataViews(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("dataViews")
        self.plane = PlaneView(theme)
        self.graph_view = GraphView(theme)
        self.forecast_view = ForecastView(theme)
        self.masks_view = ImagesView(theme, "masksView", "Images, true masks, predicted masks")
        self.recon_view = ImagesView(theme, "reconstructionsView", "Inputs, rebuilt")
        self.latent_view = LatentView(theme)
        self.grid_view = ImagesView(theme, "latentGridView", "Code plane, decoded", scale_first=False)
        self.prior_view = ImagesView(theme, "priorView", "Random codes", scale_first=False)
        self.samples_view = SamplesView(theme)
        self.cartpole_view = CartPoleView(theme)
        self.text_view = TextView()
        self.neuron_view = NeuronView(theme)
        self.matrix_view = MatrixView(theme)
        self.predictions_view = PredictionsView(theme)
        self.neuron_view.hovered.connect(self.plane.show_unit)
        # The live views by kind (runtime/live_views.py; nn/live/views.py makes their payloads): each
        # appears with the first snapshot that carries its payload, shows it with show_payload, and is
        # cleared and hidden when a snapshot withdraws it or a run without it starts.
        self.snapshot_views: dict[ViewKind[Any], ViewWidget] = {
            FORECAST: self.forecast_view,
            MASKS: self.masks_view,
            LATENT: self.latent_view,
            RECONSTRUCTIONS: self.recon_view,
            GRID: self.grid_view,
            PRIOR: self.prior_view,
            GENERATED: self.samples_view,
            EPISODE: self.cartpole_view,
            WEIGHTS: self.matrix_view,
            PREDICTIONS: self.predictions_view,
        }
        # ... and the two that read the whole snapshot (the plane's units, the graph's layout too)
        self.widgets: dict[ViewKind[Any], QWidget] = {CURVE: self.plane, NODES: self.graph_view}
        self.widgets.update({kind: cast(QWidget, view) for kind, view in self.snapshot_views.items()})
        # Two columns: what the network answers on the left, the images it makes on the right (an empty
        # column takes no room).
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        left = (
            self.plane,
            self.graph_view,
            self.forecast_view,
            self.masks_view,
            self.predictions_view,
            self.latent_view,
            self.grid_view,
            self.samples_view,
            self.cartpole_view,
            self.text_view,
        )
        right = (self.neuron_view, self.recon_view, self.prior_view, self.matrix_view)
        self.lecture_view = LectureBlockView(theme)  # the block a lecture follows, in presentation
        self.lecture_on = False
        self.data_on = True  # the views of the data (presentation may leave them out)
        self.columns: list[tuple[QWidget, tuple[QWidget, ...]]] = []
        for views, stretch in ((left, 3), (right, 2), ((self.lecture_view,), 3)):
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            for view in views:
                column.addWidget(view)
                view.installEventFilter(self)  # shown or hidden: the columns share the width anew
            layout.addWidget(holder, stretch)
            self.columns.append((holder, views))
        self._fit_columns()
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        """A column with no view shown takes no room: the others have the whole width."""
        for holder, views in self.columns:
            wanted = self.data_on or views == (self.lecture_view,)
            holder.setVisible(wanted and any(not view.isHidden() for view in views))

    def present(self, lecture: bool, data: bool) -> None:
        """Presentation's stage: the followed block's pictures (``lecture``), the data views (``data``)."""
        self.lecture_on, self.data_on = lecture, data
        if not lecture:
            self.lecture_view.hide()
        self._fit_columns()

    def show_detail(self, detail: BlockDetail | None, example: int) -> None:
        """The followed block's pictures, while presenting (None: no block is followed)."""
        if not self.lecture_on:
            return
        shown = detail is not None and self.lecture_view.show_detail(detail, example)
        self.lecture_view.setVisible(shown)
        if shown:
            self.show()

    def set_theme(self, theme: Theme) -> None:
        self.plane.set_theme(theme)
        self.neuron_view.set_theme(theme)
        self.graph_view.set_theme(theme)
        self.lecture_view.set_theme(theme)
        for view in self.snapshot_views.values():
            view.set_theme(theme)

    def loaded(self, message: Loaded) -> None:
        self.plane.set_points(message.points, message.classes)
        self.graph_view.set_graph(message.graph)
        self._withdraw(self.snapshot_views.values())  # until a snapshot brings what it shows
        self.neuron_view.clear()
        self.text_view.clear()
        self.text_view.setVisible(message.samples)
        self.lecture_view.hide()
        self.setVisible(message.points is not None or message.graph is not None or message.samples)

    def clear(self) -> None:
        self.plane.set_points(None, None)
        self.graph_view.set_graph(None)
        self._withdraw(self.snapshot_views.values())
        self.neuron_view.clear()
        self.text_view.hide()
        self.lecture_view.hide()
        self.hide()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.plane.show_snapshot(snapshot)
        self.neuron_view.show_snapshot(snapshot)
        self.graph_view.show_snapshot(snapshot)
        for kind, view in self.snapshot_views.items():
            payload = kind.payload_in(snapshot.views)
            if payload is not None:
                view.show_payload(payload)
                view.show()
                self.show()
            elif kind.withdrawn_in(snapshot.views) and not view.isHidden():  # once, not every snapshot
                self._withdraw([view])
                if not any(not holder.isHidden() for holder, _ in self.columns):
                    self.hide()  # the last view withdrawn: the curves take the width back

    @staticmethod
    def _withdraw(views: Iterable[ViewWidget]) -> None:
        for view in views:
            view.clear()
            view.hide()
