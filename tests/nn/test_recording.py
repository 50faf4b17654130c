"""The time machine's keyframes: every evaluation while they fit, thinned to every other one when they would
pass the budget, which they never do; the untrained network always stays."""

from __future__ import annotations

import torch

from playground.core.project import load
from playground.nn.recording import Recording, Shown, capture
from playground.nn.trainer import Trainer
from tests.core.test_project import PRESETS


def spiral() -> Trainer:
    return Trainer(load(PRESETS / "mlp-spiral.json"), "cpu")


def test_the_budget_holds_and_thinning_keeps_the_run_spread_from_its_start() -> None:
    trainer = spiral()
    size = capture(trainer, 0).nbytes
    trainer.step()
    size = max(size, capture(trainer, 0).nbytes)  # with the optimiser's state and gradients
    recording = Recording(budget=8 * size)
    recording.offer(trainer)
    for _ in range(200):
        trainer.step()
        recording.offer(trainer)
        assert recording.nbytes <= recording.budget
    steps = recording.steps
    assert steps[0] == 1 and recording.stride == 32 and len(steps) == 7
    assert steps == tuple(range(1, 202, 32)), "every 32nd evaluation, evenly over the run"


def test_a_keyframe_larger_than_the_budget_is_not_kept_and_a_budget_of_0_records_nothing() -> None:
    trainer = spiral()
    small = Recording(budget=100)
    assert small.offer(trainer) and small.keyframes == [], "the note is news"
    assert "more than the recording's budget" in small.refused
    off = Recording(budget=0)
    assert not off.offer(trainer) and off.keyframes == [] and off.refused == ""


def test_a_keyframe_shown_puts_the_weights_and_gradients_back_afterwards() -> None:
    trainer = spiral()
    trainer.step()
    recording = Recording(budget=1 << 30)
    recording.offer(trainer)
    for _ in range(5):
        trainer.step()
    weight = trainer.model.linear_1.weight
    live, live_grad = weight.detach().clone(), weight.grad
    with Shown(trainer, recording.at(3)) as keyframe:
        assert keyframe.step == 1
        assert torch.equal(weight, keyframe.weights["linear_1.weight"])
        assert torch.equal(weight.grad, keyframe.grads["linear_1.weight"])
    assert torch.equal(weight, live) and weight.grad is live_grad
