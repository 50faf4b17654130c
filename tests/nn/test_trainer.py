import dataclasses
import math
from pathlib import Path

import pytest
import torch

from playground.core.graph import Block, Link
from playground.core.project import load
from playground.nn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from playground.nn.tasks.base import Diverged, TaskError, TrainingStopped
from playground.nn.trainer import Trainer, pick_device
from tests.core.test_project import PRESETS
from tests.helpers import chain, classifier, project


def losses(trainer: Trainer, steps: int) -> list[float]:
    return [report.loss for report in trainer.run(steps=steps)]


def blobs(**training) -> Trainer:
    settings = {"lr": 0.05, "batch_size": 16, "seed": 1, **training}
    return Trainer(project(classifier(classes=3, dropout=0.2), "blobs-3", {"points": 300}, **settings), device="cpu")


@pytest.mark.parametrize(
    "settings",
    [
        {"optimizer": "sgd", "lr": 0.5},
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9},
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"optimizer": "adam", "lr": 0.05},
        {"optimizer": "adamw", "lr": 0.05, "weight_decay": 0.01},
        {"optimizer": "rmsprop", "lr": 0.01},
        {"optimizer": "adam", "lr": 0.05, "schedule": "cosine", "grad_clip": 1.0},
    ],
    ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()),
)
def test_every_optimiser_learns(settings: dict) -> None:
    trainer = blobs(**settings)
    before = trainer.evaluate()["val_loss"]
    losses(trainer, 150)
    after = trainer.evaluate()
    assert after["val_loss"] < 0.5 * before
    assert after["val_accuracy"] > 0.9


def test_the_same_seed_gives_the_same_loss_sequence_and_another_seed_does_not() -> None:
    first = losses(blobs(), 40)
    assert losses(blobs(), 40) == first
    assert losses(blobs(seed=2), 40) != first


def test_pausing_changes_nothing_and_single_steps_advance_by_one() -> None:
    straight = losses(blobs(), 30)
    trainer = blobs()
    run = trainer.run(steps=30)
    seen = [next(run).loss for _ in range(10)]
    assert trainer.step_count == 10  # not pulling = paused
    seen.append(trainer.step().loss)  # a single step in between
    assert trainer.step_count == 11
    seen += [r.loss for r in run]
    assert trainer.step_count == 30  # the run's goal counts the single step too
    assert seen == straight


def test_one_epoch_runs_to_the_epoch_boundary() -> None:
    trainer = blobs(batch_size=50)
    reports = trainer.run_epoch()
    assert len(reports) == math.ceil(240 / 50) and trainer.epoch == 1.0
    trainer.step()
    trainer.run_epoch()
    assert trainer.epoch == 2.0


def test_reset_returns_to_the_same_initial_weights_and_sequence() -> None:
    trainer = blobs()
    initial_loss = trainer.evaluate()["val_loss"]
    first = losses(trainer, 25)
    trainer.reset()
    assert trainer.step_count == 0 and trainer.history == []
    assert trainer.evaluate()["val_loss"] == initial_loss
    assert losses(trainer, 25) == first
    trainer.reset(reseed=True)
    assert trainer.config.seed == 2
    assert losses(trainer, 25) == losses(blobs(seed=2), 25)


def test_learning_rate_and_batch_size_change_at_the_next_step() -> None:
    trainer = blobs()
    trainer.step()
    trainer.set_lr(0.001)
    trainer.set_batch_size(5)
    report = trainer.step()
    assert report.lr == 0.001 and report.batch_size == 5
    assert trainer.optimizers["model"].param_groups[0]["lr"] == 0.001
    assert trainer.examples_seen == 16 + 5
    with pytest.raises(ValueError, match="learning rate"):
        trainer.set_lr(-1)
    with pytest.raises(ValueError, match="batch size"):
        trainer.set_batch_size(0)


def test_schedules() -> None:
    step = blobs(schedule="step", step_size=10, gamma=0.5, lr=0.1)
    assert [step.lr_at(s) for s in (0, 9, 10, 25)] == [0.1, 0.1, 0.05, 0.025]
    cosine = blobs(schedule="cosine", lr=0.1)
    cosine.horizon = 100
    assert cosine.lr_at(0) == 0.1 and abs(cosine.lr_at(50) - 0.05) < 1e-12 and cosine.lr_at(100) < 1e-12


def test_the_rate_said_is_the_one_the_last_step_used_in_the_window_as_on_the_command_line() -> None:
    trainer = blobs(schedule="step", step_size=2, gamma=0.5, lr=0.1)
    assert trainer.lr_used == 0.1  # before any step: the first one's
    reports = [trainer.step() for _ in range(4)]
    assert [r.lr for r in reports] == [0.1, 0.1, 0.05, 0.05]
    assert trainer.lr_used == reports[-1].lr == 0.05  # not the next step's 0.025
    trainer.step()
    assert trainer.lr_used == 0.025


def test_a_diverging_run_stops_with_a_plain_explanation() -> None:
    graph = classifier(inputs=1, classes=1)
    trainer = Trainer(project(graph, "polynomial", task="regression", optimizer="sgd", lr=10.0, seed=0), device="cpu")
    with pytest.raises(Diverged, match=r"loss became (NaN|infinite) at step \d+: try a lower learning rate"):
        losses(trainer, 200)
    assert 1 < trainer.step_count < 200
    trainer.reset()
    trainer.set_lr(0.01)
    assert math.isfinite(trainer.step().loss)  # the trainer stays usable


def test_non_finite_gradients_stop_the_run_when_clipping() -> None:
    graph = chain(
        ("input_1", "input", {"shape": [2]}),
        ("linear_1", "linear", {"in_features": 2, "out_features": 4}),
        ("pow_1", "pow", {"exponent": 0.5}),  # sqrt: a finite value at 0 but an infinite slope
        ("linear_2", "linear", {"in_features": 4, "out_features": 3}),
        ("output_1", "output", {}),
    )
    trainer = Trainer(project(graph, "blobs-3", grad_clip=1.0), device="cpu")
    with torch.no_grad():
        trainer.model.linear_1.weight.zero_()
        trainer.model.linear_1.bias.zero_()
    with pytest.raises(Diverged, match="gradients became (NaN|infinite) at step 1: try a lower learning rate"):
        trainer.step()


def test_out_of_memory_stops_the_run_and_leaves_the_trainer_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = blobs()
    real = trainer.task.train_step

    def fail(ctx, batch_size):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(trainer.task, "train_step", fail)
    with pytest.raises(TrainingStopped, match="ran out of memory at step 1: try a smaller batch size"):
        trainer.step()
    monkeypatch.setattr(trainer.task, "train_step", real)
    assert trainer.step().step == 1


def test_checkpoint_resume_continues_the_same_loss_curve(tmp_path: Path) -> None:
    straight = blobs()
    expected = losses(straight, 40)
    first = blobs()
    losses(first, 20)
    first.evaluate()
    save_checkpoint(first, tmp_path / "run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.trainer.safetensors", "run.weights.safetensors"]
    resumed = blobs()
    load_checkpoint(resumed, tmp_path / "run")
    assert resumed.step_count == 20 and len(resumed.history) == 1
    assert losses(resumed, 20) == expected[20:]


def test_a_checkpoint_of_another_network_is_refused(tmp_path: Path) -> None:
    save_checkpoint(blobs(), tmp_path / "run")
    other = Trainer(project(classifier(hidden=4, classes=3), "blobs-3"), device="cpu")
    with pytest.raises(
        CheckpointError, match="no longer fit the network, edited since: linear_1 \\(bias is 8 there, 4 here\\)"
    ):
        load_checkpoint(other, tmp_path / "run")
    (tmp_path / "junk.weights.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match="cannot be read as safetensors"):
        load_checkpoint(other, tmp_path / "junk")


@pytest.mark.parametrize(
    ("graph", "dataset", "training", "message"),
    [
        (
            classifier(inputs=3),
            "spiral",
            {},
            r"Input 'input_1' is declared as \(N, 3\) but dataset 'spiral' gives its 'x' field as \(N, 2\): set the Input's shape to \[2\]",
        ),
        (
            classifier(classes=3),
            "spiral",
            {"loss": "cross_entropy"},
            r"Output 'output_1' receives \(N, 3\) but cross_entropy on dataset 'spiral' needs \(N, 2\)",
        ),
        (classifier(classes=2), "sine", {"task": "classification"}, "dataset 'sine' holds regression data"),
        (classifier(classes=1), "spiral", {"loss": "mse"}, "loss 'mse' does not fit the 'classification' task"),
        (classifier(), "spiral", {"task": "reinforce"}, "there is no task 'reinforce'"),
        (classifier(), "spiral", {"optimizer": "sgd", "nesterov": True}, "Nesterov momentum needs a momentum above 0"),
        (classifier(), "spiral", {"task": "vae"}, "a VAE draws its code in one Sample block"),
        (classifier(), "spiral", {"task": "gan"}, "a GAN is two networks side by side"),
        (classifier(), "spiral", {"task": "diffusion"}, "a diffusion model takes two Inputs"),
        (classifier(), "spiral", {"task": "policy_gradient"}, "dataset 'spiral' holds classification data"),
        (classifier(), "cartpole", {"task": "policy_gradient"}, r"Input 'input_1' must take the 4 numbers"),
    ],
)
def test_mismatches_between_network_data_and_task_are_explained(graph, dataset, training, message) -> None:
    with pytest.raises(TaskError, match=message):
        Trainer(project(graph, dataset, **training), device="cpu")


def test_an_input_reading_a_missing_field_names_the_fields_there_are() -> None:
    graph = classifier()
    graph.blocks["input_1"].params["data"] = "pixels"
    with pytest.raises(TaskError, match="reads the field 'pixels', but dataset 'spiral' has x, y"):
        Trainer(project(graph, "spiral"), device="cpu")


def test_regression_on_a_sine() -> None:
    graph = classifier(inputs=1, hidden=16, classes=1)
    trainer = Trainer(project(graph, "sine", task="regression", lr=0.02, seed=0), device="cpu")
    start = trainer.evaluate()["val_mse"]
    losses(trainer, 400)
    assert trainer.evaluate()["val_mse"] < 0.2 * start


def test_node_classification_on_the_karate_club() -> None:
    graph = chain(("x", "input", {"shape": [34]}))
    graph.add_block(Block("adj", "input", {"shape": ["N"], "data": "adjacency"}))
    for block in (
        Block("gcn_1", "gcn_conv", {"in_features": 34, "out_features": 8}),
        Block("relu_1", "relu"),
        Block("gcn_2", "gcn_conv", {"in_features": 8, "out_features": 2}),
        Block("out", "output"),
    ):
        graph.add_block(block)
    for link in (
        ("x", 0, "gcn_1", 0),
        ("adj", 0, "gcn_1", 1),
        ("gcn_1", 0, "relu_1", 0),
        ("relu_1", 0, "gcn_2", 0),
        ("adj", 0, "gcn_2", 1),
        ("gcn_2", 0, "out", 0),
    ):
        graph.connect(Link(*link))
    trainer = Trainer(project(graph, "karate-club", task="node_classification", lr=0.01, seed=0), device="cpu")
    reports = losses(trainer, 100)
    assert trainer.epoch == 100
    assert reports[-1] < reports[0]
    assert trainer.evaluate()["val_accuracy"] > 0.8


def tiny_gpt(context: int = 16, vocab: int = 62):
    return chain(
        ("tokens", "input", {"shape": [context], "dtype": "long"}),
        ("embed", "embedding", {"num_embeddings": vocab, "embedding_dim": 32}),
        ("pos", "positional_encoding", {"dim": 32, "max_len": context, "kind": "learned"}),
        ("block_1", "transformer_block", {"d_model": 32, "num_heads": 4, "dim_feedforward": 64, "causal": True}),
        ("head", "linear", {"in_features": 32, "out_features": vocab}),
        ("output_1", "output", {}),
    )


def test_a_language_model_learns_and_samples_text() -> None:
    from playground.core.project_types import DatasetRef
    from playground.nn.data.base import load_data

    vocab = len(load_data(DatasetRef("text", {})).vocab)
    trainer = Trainer(
        project(tiny_gpt(vocab=vocab), "text", task="language_model", lr=0.003, batch_size=32, seed=0), device="cpu"
    )
    before = trainer.evaluate()
    assert before["val_bpc"] == pytest.approx(before["val_loss"] / math.log(2))
    losses(trainer, 150)
    after = trainer.evaluate()
    assert after["val_loss"] < before["val_loss"] - 1.0
    text = trainer.task.sample("First Citizen:\n", 40, temperature=0.8, seed=1)
    assert len(text) == 40 and set(text) <= set(trainer.task.vocab)
    assert trainer.task.sample("First", 20, temperature=0.8, seed=1) == trainer.task.sample("First", 20, 0.8, seed=1)


def test_a_language_model_needs_one_score_per_character() -> None:
    with pytest.raises(TaskError, match=r"needs \(N, 16, \d+\): one score per character"):
        Trainer(project(tiny_gpt(vocab=10), "text", task="language_model"), device="cpu")


def test_presets_reach_their_targets_headless() -> None:
    spiral = Trainer(load(PRESETS / "mlp-spiral.json"), device="cpu")
    losses(spiral, 3000)
    assert spiral.evaluate()["val_accuracy"] >= 0.9
    lenet = Trainer(load(PRESETS / "lenet-digits.json"), device="cpu")
    for _ in lenet.run(epochs=10):
        pass
    assert lenet.evaluate()["val_accuracy"] >= 0.95


def test_devices() -> None:
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(TaskError, match="CUDA is not available"):
            pick_device("cuda")
    with pytest.raises(TaskError, match="is not a device"):
        pick_device("gpu7")


def test_live_settings_apply_at_once_and_the_others_wait_for_a_restart() -> None:
    trainer = blobs(optimizer="sgd", momentum=0.5)
    losses(trainer, 5)
    changed = dataclasses.replace(
        trainer.config, lr=0.01, batch_size=7, momentum=0.9, weight_decay=0.001, grad_clip=2.0, seed=9, loss="nll"
    )
    assert sorted(trainer.apply_config(changed)) == ["loss", "seed"]
    (group,) = trainer.optimizers["model"].param_groups
    assert (group["momentum"], group["weight_decay"]) == (0.9, 0.001)
    assert trainer.config.seed == 1 and trainer.config.loss == "auto" and trainer._ctx.grad_clip == 2.0
    report = trainer.step()
    assert (report.lr, report.batch_size) == (0.01, 7)

    trainer.apply_config(dataclasses.replace(trainer.config, optimizer="adam"))
    assert isinstance(trainer.optimizers["model"], torch.optim.Adam)
    assert math.isfinite(trainer.step().loss)
