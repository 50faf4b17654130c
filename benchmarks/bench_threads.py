"""Training while another program keeps every core busy: the thread policy against torch's default.

Each round times ``playground train PRESET --steps N`` (its own reported training time, start-up
excluded) on a quiet machine and with one busy process per core that the benchmark starts and stops
itself, once with the thread policy (nn/threads.py) and once with ``--threads`` set to every core
(torch's default, what the CLI did before the policy). Medians over the rounds. Target: the spiral
preset at most 2x slower under load than quiet, with the policy.

    python benchmarks/bench_threads.py [--presets mlp-spiral lenet-mnist] [--steps 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.host import cores  # noqa: E402


def spin(stop: multiprocessing.Event) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def train_seconds(preset: str, steps: int, threads: int | None) -> float:
    command = [sys.executable, "-m", "playground", "train", preset, "--steps", str(steps), "--json", "--device", "cpu"]
    command += ["--eval-every", str(steps)] + (["--threads", str(threads)] if threads else [])
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"} | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.splitlines()[-1])["seconds"]


def measure(preset: str, steps: int, threads: int | None, busy: bool, rounds: int) -> float:
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(cores() if busy else 0)]
    for process in spinners:
        process.start()
    try:
        return statistics.median(train_seconds(preset, steps, threads) for _ in range(rounds))
    finally:
        stop.set()
        for process in spinners:
            process.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["mlp-spiral", "lenet-mnist"])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{cores()} cores; {args.steps} steps; medians of {args.rounds}")
    print(f"{'preset':<14} {'threads':<16} {'quiet s':>8} {'busy s':>8} {'slowdown':>9}")
    for preset in args.presets:
        for label, threads in (("policy", None), (f"all {cores()} (default)", cores())):
            quiet = measure(preset, args.steps, threads, False, args.rounds)
            busy = measure(preset, args.steps, threads, True, args.rounds)
            verdict = ""
            if preset == "mlp-spiral" and threads is None:
                verdict = "  target <= 2x: " + ("met" if busy / quiet <= 2 else "MISSED")
            print(f"{preset:<14} {label:<16} {quiet:>8.2f} {busy:>8.2f} {busy / quiet:>8.1f}x{verdict}")


if __name__ == "__main__":
    main()
