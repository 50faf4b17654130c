"""Canvas responsiveness on a large graph: a 300-block residual MLP (99 units of Linear -> ReLU -> Add
with a skip wire, then a Linear head: 398 wires), or 2,000 blocks with --units 666.

Measures, offscreen, in one process:
- open: reading the file, building every item, shape inference, auto-layout (Ctrl+L: one undo
  step), zoom-to-fit and the first full paint of the canvas (target: < 1 s);
- frame times of the canvas repainting after each pan step (target median < 16 ms) and each
  wheel-zoom step (target median < 16 ms), at the fitted zoom and at 100 %, the event loop running
  between two steps as it does in the app.

    python benchmarks/bench_canvas.py [--units 99] [--frames 60]
    python benchmarks/bench_canvas.py --units 666     # 2,000 blocks
    python benchmarks/bench_canvas.py --project resnet50.json   # any project, e.g. an imported model
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAYGROUND_DATA_DIR", tempfile.mkdtemp(prefix="bench-canvas-"))

from gui import shown_window  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.core.graph import Block, Link  # noqa: E402
from playground.core.layout import auto_layout  # noqa: E402
from playground.core.project_types import Project  # noqa: E402
from playground.core.project_write import save  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402

WIDTH = 32


def residual_mlp(units: int) -> Project:
    project = Project(title="Deep residual MLP")
    graph = project.graph
    graph.add_block(Block("input_1", "input", {"shape": [WIDTH]}))
    previous = "input_1"
    for i in range(1, units + 1):
        linear, relu, add = f"linear_{i}", f"relu_{i}", f"add_{i}"
        graph.add_block(Block(linear, "linear", {"in_features": WIDTH, "out_features": WIDTH}))
        graph.add_block(Block(relu, "relu"))
        graph.add_block(Block(add, "add"))
        for link in (
            Link(previous, 0, linear, 0),
            Link(linear, 0, relu, 0),
            Link(relu, 0, add, 0),
            Link(previous, 0, add, 1),
        ):
            graph.connect(link)
        previous = add
    graph.add_block(Block("linear_head", "linear", {"in_features": WIDTH, "out_features": 10}))
    graph.add_block(Block("output_1", "output"))
    graph.connect(Link(previous, 0, "linear_head", 0))
    graph.connect(Link("linear_head", 0, "output_1", 0))
    for block_id, (x, y) in auto_layout(graph).items():
        graph.move(block_id, x, y)
    return project


def frame(window: MainWindow) -> float:
    start = time.perf_counter()
    window.view.viewport().repaint()
    return time.perf_counter() - start


def wheel(window: MainWindow, delta: int) -> None:
    viewport = window.view.viewport()
    pos = QPointF(viewport.rect().center())
    event = QWheelEvent(
        pos,
        QPointF(viewport.mapToGlobal(pos.toPoint())),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)


def pan_frames(window: MainWindow, frames: int) -> list[float]:
    times = []
    bar = window.view.horizontalScrollBar()
    for i in range(frames):
        QApplication.processEvents()  # what the app does between two inputs (Qt re-indexes moved items)
        bar.setValue(bar.value() + (12 if (i // 20) % 2 == 0 else -12))
        times.append(frame(window))
    return times


def zoom_frames(window: MainWindow, frames: int) -> list[float]:
    times = []
    for i in range(frames):
        QApplication.processEvents()
        wheel(window, 120 if (i // 10) % 2 == 0 else -120)
        times.append(frame(window))
    return times


def report(name: str, times: list[float]) -> float:
    ms = sorted(t * 1000 for t in times)
    median = statistics.median(ms)
    print(f"{name:28s} median {median:6.2f} ms   p95 {ms[int(0.95 * (len(ms) - 1))]:6.2f} ms   max {ms[-1]:6.2f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=99, help="residual units of 3 blocks each")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--project", type=Path, help="open this project file instead of the residual MLP")
    args = parser.parse_args()

    app, window = shown_window()
    gc.freeze()  # as the app does once its window is up (playground.app.start_window)
    deadline = time.perf_counter() + 60
    while window.session.catalogue is None and time.perf_counter() < deadline:  # the worker has started
        app.processEvents()
        time.sleep(0.05)

    with tempfile.TemporaryDirectory() as folder:
        path = args.project or Path(folder) / "deep.json"
        if args.project is None:
            save(residual_mlp(args.units), path)
        start = time.perf_counter()
        assert window.files.open_path(path)
        window.editing.auto_layout()  # lays out and zooms to fit
        window.view.viewport().repaint()
        opened = time.perf_counter() - start
    blocks, wires = len(window.scene.blocks), len(window.scene.wires)
    print(f"graph: {blocks} blocks, {wires} wires, {window.document.analysis.total_params:,} parameters")
    print(f"open + shape inference + layout + zoom-to-fit + first paint: {opened * 1000:.0f} ms (target < 1000 ms)")

    results = [report("pan, fitted (whole graph)", pan_frames(window, args.frames))]
    results.append(report("wheel zoom, fitted", zoom_frames(window, args.frames)))
    window.view.resetTransform()
    middle = list(window.scene.blocks.values())[len(window.scene.blocks) // 2]
    window.view.centerOn(middle.sceneBoundingRect().center())
    results.append(report("pan, 100 %", pan_frames(window, args.frames)))
    results.append(report("wheel zoom, 100 %", zoom_frames(window, args.frames)))
    ok = opened < 1.0 and all(median < 16 for median in results)
    print("targets met" if ok else "TARGETS MISSED")
    window.document.undo_stack.setClean()
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
