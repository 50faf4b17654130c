"""Time to target: every preset trained with its own settings, as a user starts it (``playground train
PRESET --steps N --json``, N the steps its ``expected`` target allows), timed from the command's start
(torch's import included) to the first evaluation (every N/20 steps, train's default) at the target.
Goal: every preset under 20 s of wall time here.

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


def run_once(preset: Path, device: str) -> tuple[float, dict, bool]:
    """Wall seconds from the command's start to the first evaluation at the target (or to the end of a
    run that never gets there), that evaluation's record, and whether it reached the target."""
    expected = load(preset).expected
    command = [sys.executable, "-m", "playground", "train", str(preset), "--steps", str(expected.steps)]
    start = time.perf_counter()
    process = subprocess.Popen([*command, "--json", "--device", device], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    last: dict = {}
    try:
        for line in process.stdout:
            record = json.loads(line) if line.startswith("{") else {}
            if expected.metric in record.get("metrics", {}):
                last = record
                if expected.reached(record["metrics"][expected.metric]):
                    return time.perf_counter() - start, record, True
        return time.perf_counter() - start, last, False
    finally:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", help="preset ids (default: all)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    paths = [ROOT / "presets" / f"{p}.json" for p in args.presets] if args.presets else []
    paths = paths or sorted((ROOT / "presets").glob("*.json"))
    print(f"{'preset':<24} {'wall s':>7} {'at step':>8} {'steps/s':>8}  target")
    slow = []
    for path in paths:
        expected = load(path).expected
        runs = [run_once(path, args.device) for _ in range(args.rounds)]
        wall = statistics.median(r[0] for r in runs)
        record, hit = runs[-1][1], runs[-1][2]
        value = record["metrics"][expected.metric]
        sign = ">=" if expected.goal == "above" else "<="
        verdict = "reached" if hit else f"MISSED in {expected.steps} steps"
        print(
            f"{path.stem:<24} {wall:>7.1f} {record['step']:>8} {record.get('steps_per_second', 0):>8.0f}  "
            f"{expected.metric} {value:.4g} ({sign} {expected.threshold:g}: {verdict})"
        )
        if wall >= GOAL or not hit:
            slow.append(path.stem)
    print(f"goal: every preset under {GOAL:.0f} s: " + (f"MISSED by {', '.join(slow)}" if slow else "met"))


if __name__ == "__main__":
    main()
