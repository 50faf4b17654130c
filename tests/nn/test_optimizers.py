"""The optimiser implementation Playground picks (fused, foreach) against torch's reference loop."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from playground.core.project_types import TrainingConfig
from playground.nn.optimizers import implementation, make_optimizer
from playground.nn.tasks.base import Diverged
from playground.nn.trainer import Trainer
from tests.helpers import classifier, project

SETTINGS = [
    TrainingConfig(optimizer="sgd", lr=0.05, momentum=0.0),
    TrainingConfig(optimizer="sgd", lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    TrainingConfig(optimizer="adam", lr=0.01),
    TrainingConfig(optimizer="adam", lr=0.01, weight_decay=1e-2),
    TrainingConfig(optimizer="adamw", lr=0.01, weight_decay=1e-2),
    TrainingConfig(optimizer="rmsprop", lr=0.005, momentum=0.5),
]


def reference(config: TrainingConfig, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """torch's own per-parameter loop: the implementation every other one is checked against."""
    plain = {"foreach": False}
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params, config.lr, config.momentum, nesterov=config.nesterov, weight_decay=config.weight_decay, **plain
        )
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop}
    extra = {"momentum": config.momentum} if config.optimizer == "rmsprop" else {}
    return kinds[config.optimizer](params, config.lr, weight_decay=config.weight_decay, **extra, **plain)


def train(config: TrainingConfig, build) -> tuple[list[float], list[torch.Tensor]]:
    torch.manual_seed(0)
    x = torch.randn(128, 3)
    y = torch.sin(x.sum(1, keepdim=True))
    model = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    optimizer = build(config, list(model.parameters()))
    losses = []
    for step in range(60):
        for group in optimizer.param_groups:
            group["lr"] = config.lr * (0.98**step)  # a schedule: the learning rate changes between steps
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("config", SETTINGS, ids=lambda c: f"{c.optimizer}-m{c.momentum}-wd{c.weight_decay}")
def test_the_chosen_implementation_matches_torchs_reference_loop(config: TrainingConfig) -> None:
    losses, weights = train(config, make_optimizer)
    expected_losses, expected_weights = train(config, reference)
    assert losses == pytest.approx(expected_losses, rel=1e-5, abs=1e-7)
    for mine, theirs in zip(weights, expected_weights, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)
    assert losses[-1] < losses[0] * 0.9, "it trained"
    assert train(config, make_optimizer)[0] == losses, "the same seed gives the same losses"


def test_the_fused_kernel_is_taken_where_torch_has_it_and_foreach_elsewhere() -> None:
    params = [torch.nn.Parameter(torch.zeros(3))]
    for name in ("sgd", "adam", "adamw"):
        chosen = make_optimizer(TrainingConfig(optimizer=name), params)
        assert chosen.defaults["fused"] is True, f"{name} on the CPU uses torch's fused kernel"
    rmsprop = make_optimizer(TrainingConfig(optimizer="rmsprop"), params)
    assert rmsprop.defaults["foreach"] is True, "RMSprop has no fused kernel: the multi-tensor one"
    whole = [torch.nn.Parameter(torch.zeros(3, dtype=torch.long), requires_grad=False)]
    assert implementation(TrainingConfig(optimizer="adam"), whole) == {"foreach": True}


def test_the_scheduled_learning_rate_reaches_the_optimiser_at_every_change() -> None:
    trainer = Trainer(
        project(classifier(), "spiral", schedule="step", step_size=3, gamma=0.5, lr=0.1, batch_size=16), device="cpu"
    )
    seen = [trainer.optimizers["model"].param_groups[0]["lr"] for _ in trainer.run(steps=7)]
    assert seen == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    trainer.set_lr(0.2)
    trainer.step()
    assert trainer.optimizers["model"].param_groups[0]["lr"] == pytest.approx(0.2 * 0.25)
    trainer.apply_config(dataclasses.replace(trainer.config, optimizer="sgd", momentum=0.9))  # lr back to 0.1
    trainer.step()
    assert trainer.optimizers["model"].param_groups[0]["lr"] == pytest.approx(0.1 * 0.25), "the new optimiser too"


def test_losses_read_back_in_batches_are_the_losses_read_every_step() -> None:
    every_step = Trainer(project(classifier(), "spiral", lr=0.05, batch_size=16, grad_clip=1.0), device="cpu")
    batched = Trainer(every_step.project, device="cpu", deferred=True)
    assert batched.optimizers["model"].defaults["fused"], "a deferred read needs the fused kernel's skip"
    expected = [report.loss for report in every_step.run(steps=75)]
    reports = list(batched.run(steps=75))
    assert all(isinstance(r.value, float) for r in reports), "the run read every loss back by its end"
    assert [r.loss for r in reports] == pytest.approx(expected, rel=1e-6)
    for mine, theirs in zip(batched.model.parameters(), every_step.model.parameters(), strict=True):
        torch.testing.assert_close(mine, theirs)


def test_a_deferred_non_finite_loss_skips_its_update_and_stops_the_run_when_read() -> None:
    trainer = Trainer(project(classifier(), "spiral", lr=0.05, batch_size=16), device="cpu", deferred=True)
    for _ in trainer.run(steps=3):
        pass
    x = trainer.data.train["x"]
    good = x.clone()
    x[:] = float("nan")  # every batch from now on makes the loss NaN
    before = [p.detach().clone() for p in trainer.model.parameters()]
    reports = [trainer.step() for _ in range(5)]
    assert all(isinstance(r.value, torch.Tensor) for r in reports), "not read back yet"
    for mine, theirs in zip(trainer.model.parameters(), before, strict=True):
        torch.testing.assert_close(mine, theirs, msg="a NaN step leaves the weights as they were")
    x[:] = good
    with pytest.raises(Diverged, match="loss became NaN at step 4: try a lower learning rate"):
        trainer.read()
    assert trainer.optimizers["model"].state[next(trainer.model.parameters())]["step"].item() == 3
