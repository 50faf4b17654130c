"""What a block and a wire show is whole and clear of the ports; the transport stays in view."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetricsF

from playground.host import PRESETS
from playground.ui.canvas.block_text import block_font
from playground.ui.canvas.items import WIDTH


def test_long_ids_shapes_and_counts_are_shown_whole(qtbot, window) -> None:
    assert window.files.open_path(PRESETS / "lenet-digits.json")
    assert window.document.rename("conv2d_2", "second_convolution")
    item = window.scene.blocks["second_convolution"]
    assert not item.id_in_header and item.lines[0] == "second_convolution"
    assert any(line.endswith("params") for line in item.lines) and any(line.startswith("(N, ") for line in item.lines)
    metrics = QFontMetricsF(block_font("text"))
    assert all(metrics.horizontalAdvance(line) <= WIDTH - 28 for line in item.lines)
    bottom = 28 + 6 + len(item.lines) * 19
    assert item.base_height >= bottom  # the block grew to hold them


def test_wire_labels_stay_off_the_ports(qtbot, window) -> None:
    for name in ("gan-2d", "diffusion-2d", "vae-digits", "lenet-digits"):
        assert window.files.open_path(PRESETS / f"{name}.json")
        ports = [port.scenePos() for item in window.scene.blocks.values() for port in [*item.inputs, *item.outputs]]
        for wire in window.scene.wires.values():
            if wire.label_rect.isEmpty():
                continue
            grown = wire.label_rect.adjusted(-6, -6, 6, 6)
            assert not any(grown.contains(QPointF(p)) for p in ports), (name, wire.link, wire.label)


def test_the_transport_stays_in_view_when_the_settings_scroll(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    panel = window.training
    scroll = panel.findChild(type(window.inspector.scroller), "settingsScroll")
    assert not scroll.isAncestorOf(panel.transport.play_button) and not scroll.isAncestorOf(panel.transport.status)
    assert scroll.isAncestorOf(panel.controls.settings)
    bar = scroll.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert (
        not panel.transport.play_button.visibleRegion().isEmpty()
        and not panel.transport.status.visibleRegion().isEmpty()
    )


def test_a_curve_of_one_point_gets_readable_axes(qtbot) -> None:
    import numpy as np
    import pyqtgraph as pg

    from playground.ui.plots.curves import fit_range

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    fit_range(plot, [np.array([0.0])], [np.array([0.6887683])])  # the evaluation before the first step
    (x0, x1), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    assert x0 <= 0 < x1 and x1 - x0 >= 1.0
    assert y0 < 0.6887683 < y1 and y1 - y0 >= 0.01
    fit_range(plot, [np.array([0.0])], [np.array([0.0])])  # a metric that starts at 0 (modes covered)
    (_, _), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    assert y0 < 0 < y1 and y1 - y0 >= 1.0


def test_the_window_opens_within_the_screen(qtbot, data_dir) -> None:
    from playground.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    room = window.screen().availableGeometry()
    assert window.width() <= room.width() and window.height() <= room.height()
    assert room.contains(window.frameGeometry().topLeft())


def test_every_block_title_is_drawn_whole_in_its_header(qapp) -> None:
    """gcn-karate's "Graph convolution" was cut to "Graph convolutior" at 1280x720: a long title is drawn
    in a smaller font (no smaller than SMALLEST_TITLE), whole."""
    from PySide6.QtGui import QFontMetricsF

    from playground.core.registry import all_specs
    from playground.ui.canvas.block_text import SMALLEST_TITLE, fitted_title
    from playground.ui.canvas.items import WIDTH

    room = WIDTH - 24
    for spec in all_specs():
        font, shown = fitted_title(spec.title, room)
        assert shown == spec.title, spec.type
        assert QFontMetricsF(font).horizontalAdvance(shown) <= room + 0.5 and font.pointSizeF() >= SMALLEST_TITLE
