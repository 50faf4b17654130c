"""The time machine's cost and speed.

* **Recording**: the training process's own loop (a step, then the Reporter's evaluations, curves and
  looks inside when due, as worker.py runs them) with the recording on (``record_mb`` 256) against the
  same loop with it off (0), alternating stretches, medians of steps per second. Target: recording costs
  at most 5 % (ratio >= 0.95).
* **Scrubbing**: in the window (offscreen), from a move of the timeline to every open view redrawn with
  that step's network, for keyframes spread over a trained run; medians. Targets: 100 ms on mlp-spiral
  and lenet-digits, 300 ms on char-gpt.
* **Replay**: frames a second a Replay of mlp-spiral draws at 1280x720. Target: 20.

    python benchmarks/bench_timeline.py [--seconds 2] [--rounds 5] [--moves 12]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAYGROUND_DATA_DIR", tempfile.mkdtemp(prefix="bench-timeline-"))

from gui import shown_window, wait  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.core.project import load  # noqa: E402
from playground.nn.live.reports import Reporter  # noqa: E402
from playground.nn.trainer import Trainer  # noqa: E402
from playground.runtime import protocol as p  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402

PRESETS = {"mlp-spiral": 0.1, "lenet-digits": 0.1, "char-gpt": 0.3}  # scrubbing targets, seconds
REPLAY_TARGET = 20  # frames a second, mlp-spiral
WAIT_LIMIT = 60.0  # seconds: a window that stops answering ends the benchmark, said


def loop_rate(trainer: Trainer, report: Reporter, seconds: float) -> float:
    """Steps per second of worker.py's loop: a step, its loss kept, then whatever is due."""
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        result = trainer.step()
        report.keep(result.step, result.value)
        report.due(True)
        steps += 1
    return steps / (time.perf_counter() - start)


def recording_cost(name: str, seconds: float, rounds: int) -> float:
    project = load(ROOT / "presets" / f"{name}.json")
    runs = {}
    for budget in (0, 256):
        config = dataclasses.replace(project.training, record_mb=budget)
        trainer = Trainer(dataclasses.replace(project, training=config), "cpu")
        report = Reporter(trainer, 1, lambda message: None, p.Focus(None), p.Sampling("", 0.8))
        report.everything()
        loop_rate(trainer, report, 0.5)  # warm
        runs[budget] = (trainer, report)
    rates: dict[int, list[float]] = {0: [], 256: []}
    for _ in range(rounds):  # alternate, so that a noisy machine affects both alike
        for budget, (trainer, report) in runs.items():
            rates[budget].append(loop_rate(trainer, report, seconds))
    off, on = statistics.median(rates[0]), statistics.median(rates[256])
    kept = runs[256][1].recording
    print(
        f"{name:13s} recording off {off:7.1f} steps/s  on {on:7.1f} steps/s  ratio {on / off:4.2f}"
        f"  ({len(kept.keyframes)} keyframes, {kept.nbytes / (1 << 20):.1f} MB)",
        flush=True,
    )
    return on / off


def trained_window(window: MainWindow, name: str, seconds: float) -> None:
    window.files.open_path(ROOT / "presets" / f"{name}.json")
    window.document.set_training("epochs", 0)  # a run without an end: the second click pauses it
    started = time.perf_counter()
    while window.session.state != "ready":
        wait(50)
        if window.session.state == "failed" or time.perf_counter() - started > WAIT_LIMIT:
            raise SystemExit(f"{name} was not loaded: {window.training.transport.message.text()}")
    panel = window.training
    panel.transport.play_button.click()
    wait(int(seconds * 1000))
    panel.transport.play_button.click()
    while window.session.state != "ready" and time.perf_counter() - started < WAIT_LIMIT:
        wait(20)
    wait(300)  # the pause's evaluation and its keyframe


def scrub_times(window: MainWindow, moves: int) -> list[float]:
    """Seconds from a move of the slider to the views redrawn at that step, for keyframes spread over the
    run in no order (each move to another keyframe)."""
    timeline, live, app = window.training.curves.timeline, window.live, QApplication.instance()
    indices = random.Random(0).sample(range(len(timeline.steps) - 1), min(moves, len(timeline.steps) - 1))
    times = []
    for index in indices:
        started = time.perf_counter()
        timeline.slider.setValue(index)
        step = timeline.steps[index]
        while not (live.last is not None and live.last.recorded and live.last.step == step):
            app.processEvents()
            if time.perf_counter() - started > WAIT_LIMIT:
                raise SystemExit(f"the views did not show step {step} within {WAIT_LIMIT} s")
        app.processEvents()  # the views' repaint
        times.append(time.perf_counter() - started)
    timeline.slider.setValue(timeline.slider.maximum())
    return times


def replay_rate(window: MainWindow) -> float:
    """Frames a second a Replay of the whole run draws (the shortest length: the fastest it is asked to go)."""
    timeline, app = window.training.curves.timeline, QApplication.instance()
    drawn: list[float] = []
    real = timeline.drawn
    timeline.drawn = lambda step: (drawn.append(time.perf_counter()), real(step))  # type: ignore[method-assign]
    timeline.replay_lengths[0].trigger()
    timeline.slider.setValue(0)
    timeline.replay.click()
    started = time.perf_counter()
    while timeline.replaying.isActive() and time.perf_counter() - started < WAIT_LIMIT:
        app.processEvents()
    timeline.drawn = real  # type: ignore[method-assign]
    timeline.slider.setValue(timeline.slider.maximum())
    return (len(drawn) - 1) / (drawn[-1] - drawn[0]) if len(drawn) > 1 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each measured stretch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--moves", type=int, default=12, help="timeline moves measured per preset")
    args = parser.parse_args()
    ok = True
    for name in PRESETS:
        ok &= recording_cost(name, args.seconds, args.rounds) >= 0.95
    _, window = shown_window(1280, 720)
    for name, target in PRESETS.items():
        trained_window(window, name, 8.0)
        times = scrub_times(window, args.moves)
        median = statistics.median(times)
        ok &= median <= target
        print(
            f"{name:13s} timeline move to views redrawn: median {median * 1000:5.0f} ms, slowest "
            f"{max(times) * 1000:5.0f} ms over {len(window.training.curves.timeline.steps)} keyframes "
            f"(target {target * 1000:.0f} ms)",
            flush=True,
        )
        if name == "mlp-spiral":
            fps = replay_rate(window)
            ok &= fps >= REPLAY_TARGET
            print(f"{name:13s} replay at 1280x720: {fps:4.1f} frames/s (target {REPLAY_TARGET})", flush=True)
        window.document.undo_stack.setClean()
    print("targets met" if ok else "TARGETS MISSED")
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
