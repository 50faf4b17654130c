"""Fault injection shared by the tests: a child process that loops over a save, killed at random instants."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def killed_at_random(loop: str, argument: Path, rounds: int, seed: int, most: float) -> Iterator[int]:
    """Run ``loop`` (Python source that prints "ready" once it is saving in a loop) ``rounds`` times, each
    killed with SIGKILL at a random instant up to ``most`` seconds after it is ready; yields the round
    after each kill, for the caller to look at what the kill left."""
    chance = random.Random(seed)
    for round_ in range(rounds):
        child = subprocess.Popen(
            [sys.executable, "-c", loop, str(argument)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(chance.uniform(0.05, most))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        yield round_
