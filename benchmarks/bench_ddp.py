"""Training in one process and in several (``torchrun --nproc-per-node N -m playground train``).

For each network the project trains with its batch size per process, so N processes see N times the
examples per step. Each round starts ``playground train --json`` (through torchrun for N > 1) and
reads the training time it reports (start-up and data excluded); the figures are steps/s and
examples/s, medians over the rounds, and the scaling of examples/s against one process. On the CPU
each process gets one thread (torchrun's default); on a machine with several GPUs, ``--device cuda``
puts each process on its own GPU.

    python benchmarks/bench_ddp.py [--device cpu|cuda] [--processes 2] [--steps 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = {"spiral": "mlp-spiral", "lenet": "lenet-mnist", "char-gpt": "char-gpt"}


def train_seconds(preset: str, processes: int, steps: int, device: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / f"{preset}.json"
        project.write_text((ROOT / "presets" / f"{preset}.json").read_text())
        launcher = [sys.executable]
        if processes > 1:
            launcher += ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes)]
        command = [*launcher, "-m", "playground", "train", str(project), "--steps", str(steps), "--json"]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [*command, "--device", device, "--eval-every", str(steps)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        return json.loads(done.stdout.splitlines()[-1])["seconds"]


def batch_size(preset: str) -> int:
    return json.loads((ROOT / "presets" / f"{preset}.json").read_text())["training"]["batch_size"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    args = parser.parse_args()
    print(f"{'network':<10} {'processes':>9} {'steps/s':>9} {'examples/s':>11} {'scaling':>8}")
    for name in args.networks:
        preset = NETWORKS[name]
        base = None
        for processes in (1, args.processes):
            seconds = statistics.median(
                train_seconds(preset, processes, args.steps, args.device) for _ in range(args.rounds)
            )
            steps_per_second = args.steps / seconds
            examples = steps_per_second * batch_size(preset) * processes
            base = base or examples
            print(f"{name:<10} {processes:>9} {steps_per_second:>9.1f} {examples:>11.0f} {examples / base:>7.2f}x")


if __name__ == "__main__":
    main()
