"""A graph dataset while a graph network trains: the graph with each node coloured by its predicted
class (labelled nodes drawn as squares), and every node's hidden features projected to 2-D."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from playground.runtime.live_views import NODES
from playground.runtime.messages import GraphLayout, Snapshot
from playground.ui.plots.colors import class_colour
from playground.ui.plots.curves import style_plot
from playground.ui.theme import Theme


def brushes(classes: np.ndarray) -> list:
    return [pg.mkBrush(*class_colour(c)) for c in classes.astype(int)]


class GraphView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("graphView")
        self.graph_plot = pg.PlotWidget()
        self.embedding_plot = pg.PlotWidget()
        style_plot(self.graph_plot, theme, "Predicted communities")
        style_plot(self.embedding_plot, theme, "Node embeddings (2-D)")
        for plot in (self.graph_plot, self.embedding_plot):
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setAspectLocked(True)
        self.edges = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(148, 163, 184, 160, width=1))
        self.nodes = pg.ScatterPlotItem(size=13, pen=pg.mkPen(31, 41, 55, 220, width=1))
        self.graph_plot.addItem(self.edges)
        self.graph_plot.addItem(self.nodes)
        self.embedding = pg.ScatterPlotItem(size=10, pen=pg.mkPen(31, 41, 55, 220, width=1))
        self.embedding_plot.addItem(self.embedding)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graph_plot)
        layout.addWidget(self.embedding_plot)
        self.layout_: GraphLayout | None = None
        self.predicted: np.ndarray | None = None
        self.set_graph(None)

    def set_theme(self, theme: Theme) -> None:
        style_plot(self.graph_plot, theme)
        style_plot(self.embedding_plot, theme)

    def set_graph(self, graph: GraphLayout | None) -> None:
        self.layout_, self.predicted = graph, None
        self.setVisible(graph is not None)
        if graph is None:
            return
        ends = graph.positions[graph.edges.reshape(-1)]
        self.edges.setData(ends[:, 0], ends[:, 1])
        self._draw_nodes(graph, np.zeros(len(graph.positions), dtype=int))
        self.graph_plot.autoRange(padding=0.08)

    def _draw_nodes(self, graph: GraphLayout, classes: np.ndarray) -> None:
        symbols = ["s" if labelled else "o" for labelled in graph.labelled]
        self.nodes.setData(pos=graph.positions, brush=brushes(classes), symbol=symbols)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        nodes = NODES.payload_in(snapshot.views)
        if self.layout_ is None or nodes is None:
            return
        self.predicted = nodes.predicted
        self._draw_nodes(self.layout_, nodes.predicted)
        self.embedding.setData(pos=nodes.embedding, brush=brushes(self.layout_.labels))
        self.embedding_plot.autoRange(padding=0.1)
