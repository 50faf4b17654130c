"""The time machine in the training process: a run keeps keyframes at its evaluations, and Show(step)
draws every view from the keyframe, exactly as a fresh run stopped at that step draws it, while training
goes on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from playground.core.project import load
from playground.runtime import protocol as p
from playground.runtime.messages import Recorded, Sampled, Snapshot, Stopped
from tests.core.test_project import PRESETS
from tests.runtime.conftest import Worker


def same(a: object, b: object, where: str = "snapshot") -> None:
    """``a`` and ``b`` hold the same values, arrays bit for bit (NaN equal to NaN), dataclasses field by field."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{where}: {sorted(a)} != {sorted(b)}"
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def last_recorded(worker: Worker, run: int) -> Recorded:
    return worker.wait_for(Recorded, run)[-1]


@pytest.mark.parametrize(("preset", "steps", "at"), [("mlp-spiral", 300, 100), ("lenet-digits", 30, 20)])
def test_a_view_at_a_recorded_step_is_the_view_of_a_fresh_run_stopped_there(
    worker: Worker, preset: str, steps: int, at: int
) -> None:
    worker.send(p.Load(1, load(PRESETS / f"{preset}.json"), None, "cpu"))
    worker.send(p.Focus("linear_1", 0))
    worker.send(p.Steps(steps))
    worker.wait_for(Stopped, 1)
    recorded = last_recorded(worker, 1)
    assert recorded.steps[0] == 0 and at in recorded.steps and recorded.steps[-1] <= steps, recorded.steps
    seen = len(worker.of(Snapshot, 1))
    worker.send(p.Show(at))
    past = worker.wait_for(Snapshot, 1, seen + 1)[-1]
    assert past.recorded and past.step == at

    worker.send(p.Load(2, load(PRESETS / f"{preset}.json"), None, "cpu"))
    worker.send(p.Steps(at))
    worker.wait_for(Stopped, 2)
    fresh = worker.of(Snapshot, 2)[-1]
    assert not fresh.recorded and fresh.step == at
    same(dataclasses.replace(past, run=2, recorded=False), fresh)


def test_training_goes_on_while_the_past_is_shown_and_live_comes_back(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.send(p.Steps(50))
    worker.wait_for(Stopped, 1)
    worker.send(p.Show(5))
    worker.send(p.Steps(150))
    worker.wait_for(Stopped, 1, 2)
    assert last_recorded(worker, 1).steps[-1] == 200, "the steps trained meanwhile are recorded"
    shown = worker.of(Snapshot, 1)[-1]
    assert shown.recorded and shown.step == 5, "the pause after the steps draws the step shown, not the live one"
    worker.send(p.Show(None))
    worker.wait_for(Snapshot, 1, len(worker.of(Snapshot, 1)) + 1)
    live = worker.of(Snapshot, 1)[-1]
    assert not live.recorded and live.step == 200


def test_a_language_model_writes_at_a_recorded_step_what_a_run_stopped_there_wrote(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "char-gpt.json"), None, "cpu"))
    worker.send(p.Steps(30))
    worker.wait_for(Stopped, 1)
    assert 20 in last_recorded(worker, 1).steps
    written = len(worker.of(Sampled, 1))
    worker.send(p.Show(20))
    past = worker.wait_for(Sampled, 1, written + 1)[-1]
    worker.send(p.Load(2, load(PRESETS / "char-gpt.json"), None, "cpu"))
    worker.send(p.Steps(20))
    worker.wait_for(Stopped, 2)
    fresh = worker.wait_for(Sampled, 2)[-1]
    assert (past.step, past.prompt, past.text) == (fresh.step, fresh.prompt, fresh.text) and fresh.step == 20


def test_a_branch_continued_unchanged_reproduces_the_runs_losses_and_keeps_the_keyframes_before_it(
    worker: Worker,
) -> None:
    worker.send(p.Load(1, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.send(p.Steps(300))
    worker.wait_for(Stopped, 1)
    assert np.array_equal(worker.steps(1), np.arange(1, 301))
    worker.send(p.Show(100))  # scrubbing, then branching from what is shown
    worker.send(p.Branch(2, 100))
    worker.send(p.Steps(200))
    worker.wait_for(Stopped, 2)
    steps, losses = worker.steps(2), worker.losses(2)
    after = steps > 100
    assert np.array_equal(steps[after], np.arange(101, 301))
    assert np.array_equal(losses[after], worker.losses(1)[100:]), "the same losses, bit for bit"
    assert steps[~after].max() == 100, "the curves up to the branch, as a restored run shows them"
    kept = last_recorded(worker, 2).steps
    before = last_recorded(worker, 1).steps
    assert kept[: before.index(100) + 1] == before[: before.index(100) + 1] and kept[-1] == 300
    live = worker.of(Snapshot, 2)[-1]
    assert not live.recorded and live.step == 300, "a branch starts live"
