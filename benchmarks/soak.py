"""Soak: the window playing lenet-digits with every view on for a while, then opening presets one after
the other, printing the resident memory (RSS) of the window's process and of the training process each
minute (and after each preset), so a leak shows as a column that keeps growing. Runs offscreen.

    python benchmarks/soak.py [--minutes 15] [--presets 30]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAYGROUND_DATA_DIR", tempfile.mkdtemp(prefix="soak-"))

from gui import shown_window, wait  # noqa: E402

from playground.host import PRESETS  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def row(label: str, window: MainWindow) -> str:
    worker = window.session.process
    step = window.training.last_progress.step if window.training.last_progress else 0
    return (
        f"{label:>24}  window {rss_mb(os.getpid()):7.1f} MB  training process (pid {worker.pid}) "
        f"{rss_mb(worker.pid):7.1f} MB  step {step:>8,}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--presets", type=int, default=30)
    args = parser.parse_args()
    _, window = shown_window()
    window.files.open_path(PRESETS / "lenet-digits.json")
    window.document.set_training("epochs", 0)  # plays until paused
    window.document.undo_stack.setClean()
    panel = window.training
    panel.controls.show_units.setChecked(True)
    panel.controls.show_flow.setChecked(True)
    window.scene.select_blocks([next(b for b, block in window.document.graph.blocks.items() if block.type == "conv2d")])
    panel.transport.play_button.click()
    start = time.monotonic()
    print(row("start", window), flush=True)
    minute = 0
    while time.monotonic() - start < args.minutes * 60:
        wait(1000)
        if time.monotonic() - start >= (minute + 1) * 60:
            minute += 1
            print(row(f"lenet-digits, minute {minute}", window), flush=True)
    panel.transport.play_button.click()
    names = sorted(PRESETS.glob("*.json"))
    for index, path in enumerate(itertools.islice(itertools.cycle(names), args.presets), 1):
        window.document.undo_stack.setClean()
        window.files.open_path(path)
        panel.transport.play_button.click()
        wait(2000)
        panel.transport.play_button.click()
        wait(300)
        print(row(f"{index:>2}: {path.stem}", window), flush=True)
    window.document.undo_stack.setClean()
    window.training.saved_steps = window.training.trained_steps()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
