"""Live training cost: steps per second with every live view on (curves, input plane, unit heatmaps on
the blocks, gradient flow on the wires, the selected block's plots) against headless training of the
same project with as many torch threads as the worker uses (all cores but one), alternating
stretches of each (median of the rounds), and the longest stall of the GUI event loop meanwhile.

Targets: ratio >= 0.8, longest stall <= 50 ms. Runs offscreen.

    python benchmarks/bench_live.py [--seconds 3] [--rounds 5] [--present] [presets/mlp-spiral.json ...]

--present measures in presentation mode (F5): the network as cards, the followed block's pictures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAYGROUND_DATA_DIR", tempfile.mkdtemp(prefix="bench-live-"))

import torch  # noqa: E402
from gui import shown_window, wait  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402

from playground.core.project import load  # noqa: E402
from playground.nn.trainer import Trainer  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402

PROBE_MS = 5


def headless(trainer: Trainer, seconds: float) -> float:
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - start)


class StallProbe:
    """A 5 ms timer: the longest gap between two ticks, less the interval, is the longest stall."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self.tick)
        self.last = 0.0
        self.longest = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last - PROBE_MS / 1000)
        self.last = now


class Live:
    """The app training a preset with every view on; play and pause it in measured stretches."""

    def __init__(self, window: MainWindow, path: Path) -> None:
        self.window = window
        window.files.open_path(path)
        window.document.set_training("epochs", 0)  # a run without an end: Play and Pause alternate
        window.document.undo_stack.setClean()  # the next preset opens without a prompt
        panel = window.training
        panel.controls.show_units.setChecked(True)
        panel.controls.show_flow.setChecked(True)
        while window.session.catalogue is None:
            wait(50)
        self.counts: list[tuple[float, int]] = []
        window.session.progressed.connect(self._progressed)
        panel.transport.step_button.click()  # load and compile, then one step
        # Until the step's end is in (its progress comes first), the session is running and the Play
        # button says Pause: a click then would pause, and the stretch would measure nothing.
        while not self.counts or self.counts[-1][1] < 1 or window.session.state != "ready":
            wait(20)
        blocks = window.document.graph.blocks
        selected = next(b for b, block in blocks.items() if block.type in ("conv2d", "linear"))
        window.scene.select_blocks([selected])
        self.probe = StallProbe()

    def _progressed(self, progress) -> None:
        self.counts.append((time.perf_counter(), progress.step))

    def measure(self, seconds: float) -> tuple[float, float, float]:
        """Steps per second, the longest GUI stall and the GUI process's CPU use while playing."""
        panel, session = self.window.training, self.window.session
        while session.state != "ready":  # the last stretch's pause is answered
            wait(20)
        panel.transport.play_button.click()
        wait(500)  # under way
        self.probe.start()
        first, cpu, clock = self.counts[-1], time.process_time(), time.perf_counter()
        wait(int(seconds * 1000))
        last = self.counts[-1]
        self.probe.timer.stop()
        panel.transport.play_button.click()
        if last[0] == first[0]:  # no progress reached the window in the stretch: said, as 0 steps/s
            print(f"  no progress reached the window in {seconds:g} s (session {session.state})", flush=True)
            return 0.0, self.probe.longest, (time.process_time() - cpu) / (time.perf_counter() - clock)
        load = (time.process_time() - cpu) / (last[0] - first[0])
        return (last[1] - first[1]) / (last[0] - first[0]), self.probe.longest, load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", default=["presets/mlp-spiral.json", "presets/lenet-digits.json"])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measured stretch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--present", action="store_true", help="in presentation mode (F5)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))  # as many threads as the worker uses
    _, window = shown_window()
    ok = True
    for name in args.presets:
        path = ROOT / name
        trainer = Trainer(load(path), "cpu")
        headless(trainer, 0.5)
        live = Live(window, path)
        if args.present and not window.presenter.presenting:
            window.presenter.present()
        bases, rates, stalls, loads = [], [], [], []
        for _ in range(args.rounds):  # alternate, so that a noisy machine affects both alike
            bases.append(headless(trainer, args.seconds))
            rate, stall, cpu = live.measure(args.seconds)
            rates.append(rate)
            stalls.append(stall)
            loads.append(cpu)
        base, rate = statistics.median(bases), statistics.median(rates)
        ratio, stall = rate / base, max(stalls)
        ok &= ratio >= 0.8 and stall <= 0.05
        print(
            f"{path.stem:14s} headless {base:6.0f} steps/s  live {rate:6.0f} steps/s  ratio {ratio:4.2f}"
            f"  (rounds: {', '.join(f'{r / b:.2f}' for r, b in zip(rates, bases, strict=True))})"
            f"  longest GUI stall {stall * 1000:4.1f} ms  GUI process CPU {statistics.median(loads):4.0%}"
        )
    print("targets met" if ok else "TARGETS MISSED")
    window.document.undo_stack.setClean()
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
