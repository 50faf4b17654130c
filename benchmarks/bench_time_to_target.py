"""Time to target: every preset trained with its own settings for the steps its ``expected`` target
names, as a user starts it (``playground train PRESET --steps N --json``, start-up included), and
whether it reached the target. Goal: every preset under 20 s of wall time here.

    python benchmarks/bench_time_to_target.py [--presets char-gpt mlp-spiral] [--rounds 1] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.project import load  # noqa: E402

GOAL = 20.0  # seconds


def run_once(preset: Path, device: str) -> tuple[float, dict, dict]:
    """Wall seconds, the final record and the last progress record of one run."""
    expected = load(preset).expected
    command = [sys.executable, "-m", "playground", "train", str(preset), "--steps", str(expected.steps)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--json", "--device", device], capture_output=True, text=True, check=True, cwd=ROOT
    )
    wall = time.perf_counter() - start
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return wall, records[-1], next(r for r in reversed(records) if r.get("event") == "progress")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", help="preset ids (default: all)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    paths = [ROOT / "presets" / f"{p}.json" for p in args.presets] if args.presets else []
    paths = paths or sorted((ROOT / "presets").glob("*.json"))
    print(f"{'preset':<24} {'steps':>6} {'wall s':>7} {'train s':>8} {'steps/s':>8}  target")
    slow = []
    for path in paths:
        expected = load(path).expected
        runs = [run_once(path, args.device) for _ in range(args.rounds)]
        wall = statistics.median(r[0] for r in runs)
        final, progress = runs[-1][1], runs[-1][2]
        value = final["metrics"][expected.metric]
        reached = value >= expected.threshold if expected.goal == "above" else value <= expected.threshold
        sign = ">=" if expected.goal == "above" else "<="
        verdict = "reached" if reached else "MISSED"
        print(
            f"{path.stem:<24} {expected.steps:>6} {wall:>7.1f} {final['seconds']:>8.1f} "
            f"{progress['steps_per_second']:>8.0f}  {expected.metric} {value:.4g} ({sign} {expected.threshold:g}: "
            f"{verdict})"
        )
        if wall >= GOAL:
            slow.append(path.stem)
    print(f"goal: every preset under {GOAL:.0f} s: " + (f"MISSED by {', '.join(slow)}" if slow else "met"))


if __name__ == "__main__":
    main()
