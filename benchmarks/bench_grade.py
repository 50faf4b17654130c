"""Grading a class: 30 submissions of the spiral assignment (spiral-200: 2,800 steps each, MLPs of
different widths and activations) graded by ``playground grade --jobs 2``, against the same networks
trained by a hand-written PyTorch loop (one thread each, as the graders run, two at a time).

Target on the 2-core machine: the whole grading under 2 minutes. With --spread, instead: how far a
difference in the last bit of the initial weights moves each submission's graded val_accuracy (what
docs/assignments.md says may differ across machines). Printed: the wall time (median of the
rounds), the hand-written loop's time for the same training split over the jobs, and what grading adds
per submission: the same 30 graded for one step each (process start, torch's import, reading, checking
the locks, building the network, an evaluation).

    python benchmarks/bench_grade.py [--rounds 3] [--jobs 2] [--spread]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.project_types import DatasetRef  # noqa: E402
from playground.nn.data.base import load_data  # noqa: E402
from tests.assignments import assignment, chain, write  # noqa: E402

STEPS = 2800
SUBMISSIONS = [
    (width, act) for width in (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 20, 24, 32) for act in ("tanh", "relu")
]


def submission(width: int, act: str):
    return chain(
        assignment("spiral-200"),
        [
            ("linear", {"in_features": 2, "out_features": width}),
            (act, {}),
            ("linear", {"in_features": width, "out_features": width}),
            (act, {}),
            ("linear", {"in_features": width, "out_features": 1}),
        ],
    )


def hand_written(width: int, act: str) -> float:
    """The same network and training in plain PyTorch: seconds for STEPS steps (evaluations left out)."""
    project = assignment("spiral-200")
    data = load_data(DatasetRef(project.dataset.id, project.dataset.params))
    x, y = data.train["x"], data.train["y"].float().reshape(-1, 1)
    torch.manual_seed(0)
    layer = torch.nn.Tanh if act == "tanh" else torch.nn.ReLU
    model = torch.nn.Sequential(
        torch.nn.Linear(2, width), layer(), torch.nn.Linear(width, width), layer(), torch.nn.Linear(width, 1)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=project.training.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    batch = project.training.batch_size
    start = time.perf_counter()
    order = torch.randperm(len(x))
    for step in range(STEPS):
        i = step * batch % len(x)
        if i + batch > len(x):
            order, i = torch.randperm(len(x)), 0
        index = order[i : i + batch]
        optimizer.zero_grad()
        loss_fn(model(x[index]), y[index]).backward()
        optimizer.step()
    return time.perf_counter() - start


def grade(assigned: Path, folder: str, jobs: int) -> tuple[float, int]:
    """Seconds ``playground grade`` takes for the folder, and how many passed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "playground", "grade", str(assigned), folder, "--jobs", str(jobs), "--quiet"],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, done.stdout.count("passed")


def spread() -> None:
    """How far a last-bit difference (every initial weight one float32 step up, as another machine's
    rounding might leave it) moves each submission's graded val_accuracy, and how many grades it flips."""
    from playground.core.assignment import TOLERANCE
    from playground.nn.train_run import build_trainer

    pairs = []
    for width, act in SUBMISSIONS:
        values = []
        for nudge in (False, True):
            trainer = build_trainer(submission(width, act), ROOT / "submission.json", "cpu")
            if nudge:
                with torch.no_grad():
                    for weight in trainer.model.parameters():
                        weight.copy_(torch.nextafter(weight, torch.full_like(weight, math.inf)))
            for _ in trainer.run(steps=STEPS):
                pass
            values.append(trainer.evaluate()["val_accuracy"])
        pairs.append(values)
    moved = sorted(abs(b - a) for a, b in pairs)
    goal = assignment("spiral-200").assignment.goals[0]
    flips = sum(goal.met(a, TOLERANCE) != goal.met(b, TOLERANCE) for a, b in pairs)
    print(f"val_accuracy moved by a last-bit change, {len(moved)} submissions: {sum(m > 0 for m in moved)} moved;")
    print(
        f"median {statistics.median(moved):.4f}, 90th percentile {moved[int(0.9 * len(moved)) - 1]:.4f}, "
        f"largest {moved[-1]:.4f}; the goal {goal.text()} (tolerance {TOLERANCE}) flipped for {flips}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--spread", action="store_true", help="measure how far last-bit differences move a grade")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.spread:
        spread()
        return
    with tempfile.TemporaryDirectory() as folder:
        for width, act in SUBMISSIONS:
            write(submission(width, act), Path(folder) / f"{act}-{width}.json")
        one_step = Path(folder) / "one-step"
        one_step.mkdir()
        brief = assignment("spiral-200")
        brief.assignment = dataclasses.replace(brief.assignment, steps=1)
        write(brief, one_step / "spiral-1.json")
        walls = [grade(ROOT / "presets/assignments/spiral-200.json", folder, args.jobs) for _ in range(args.rounds)]
        bare = [grade(one_step / "spiral-1.json", folder, args.jobs) for _ in range(args.rounds)]
        passed = walls[0][1]
    plain = [statistics.median(hand_written(w, a) for _ in range(args.rounds)) for w, a in SUBMISSIONS]
    wall = statistics.median(w for w, _ in walls)
    overhead = statistics.median(w for w, _ in bare)
    count = len(SUBMISSIONS)
    print(f"{count} submissions, {STEPS:,} steps each, --jobs {args.jobs}, {args.rounds} rounds, medians")
    print(f"grading wall time: {wall:.1f} s (rounds: {', '.join(f'{w:.1f}' for w, _ in walls)}); target < 120 s")
    print(
        f"hand-written PyTorch training of the same networks, split over {args.jobs} jobs: {sum(plain) / args.jobs:.1f} s"
    )
    print(
        f"graded for one step each: {overhead:.1f} s, {overhead * args.jobs / count:.2f} s of a process per submission"
    )
    print(f"{passed} of {count} passed")


if __name__ == "__main__":
    main()
