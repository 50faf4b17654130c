import math

import numpy as np
import torch

from playground.core.project import load
from playground.core.project_types import DatasetRef
from playground.nn.data.base import load_data
from playground.nn.probes import Probe, block_gradient_norms, gradient_stats, line, tapped, weight_stats
from playground.nn.trainer import Trainer
from tests.core.test_project import PRESETS
from tests.helpers import chain, project


def trained(name: str, steps: int = 20) -> Trainer:
    trainer = Trainer(load(PRESETS / f"{name}.json"), device="cpu")
    for _ in trainer.run(steps=steps):
        pass
    return trainer


def test_activations_of_every_block_match_a_manual_forward_pass() -> None:
    trainer = trained("lenet-digits")
    probe = Probe(trainer.compiled)
    (images,) = trainer.task.probe_inputs(6)
    seen = probe.activations(images)
    assert seen["conv2d_1"].shape == (6, 6, 8, 8) and seen["flatten_1"].shape == (6, 64)
    model = trainer.model.eval()
    with torch.no_grad():
        expected = torch.relu(model.conv2d_1(images)).numpy()
        output = model(images).numpy()
    assert np.allclose(seen["relu_1"], expected, atol=1e-6)
    assert np.allclose(seen["output_1"], output, atol=1e-6)


def test_the_probe_leaves_training_mode_and_shares_weights() -> None:
    trainer = trained("mlp-spiral")
    probe = Probe(trainer.compiled)
    assert trainer.model.training
    probe.activations(*trainer.task.probe_inputs(4))
    assert trainer.model.training
    tap = tapped(trainer.compiled)
    assert tap.linear_1 is trainer.model.linear_1


def test_plane_probe_shows_every_hidden_unit_over_the_input_plane() -> None:
    trainer = trained("mlp-spiral", 200)
    plane = Probe(trainer.compiled).plane(resolution=25)
    assert plane.xs.shape == (25,) and plane.xs[0] == -1.2 and plane.xs[-1] == 1.2
    assert plane.blocks["tanh_1"].shape == (8, 25, 25)
    assert plane.blocks["output_1"].shape == (1, 25, 25)
    point = torch.tensor([[plane.xs[3], plane.ys[7]]], dtype=torch.float32)
    with torch.no_grad():
        hidden = torch.tanh(trainer.model.linear_1(point))[0].numpy()
    assert np.allclose(plane.blocks["tanh_1"][:, 7, 3], hidden, atol=1e-6)


def test_weight_and_gradient_statistics() -> None:
    trainer = trained("mlp-spiral", 5)
    weights = weight_stats(trainer.model)
    assert set(weights) == {f"linear_{i}.{k}" for i in (1, 2, 3) for k in ("weight", "bias")}
    w = trainer.model.linear_1.weight.detach()
    assert np.isclose(weights["linear_1.weight"].norm, float(w.norm()))
    assert weights["linear_1.weight"].counts.sum() == w.numel() and len(weights["linear_1.weight"].edges) == 31
    grads = gradient_stats(trainer.model)
    assert set(grads) == set(weights)
    norms = block_gradient_norms(trainer.model)
    expected = float(torch.cat([trainer.model.linear_2.weight.grad.flatten(), trainer.model.linear_2.bias.grad]).norm())
    assert np.isclose(norms["linear_2"], expected)


def test_wire_gradients_equal_autograd_and_leave_the_weight_gradients_alone() -> None:
    trainer = trained("mlp-spiral")
    before = {name: p.grad.clone() for name, p in trainer.model.named_parameters()}
    inputs = trainer.task.probe_inputs(32)
    seen = Probe(trainer.compiled).inspect(inputs, lambda out: trainer.task.probe_loss(out, 32))
    assert all(torch.equal(before[name], p.grad) for name, p in trainer.model.named_parameters())
    assert trainer.model.training

    model = trainer.model.eval()
    (x,) = inputs
    hidden = model.linear_1(x)
    hidden.retain_grad()
    out = model.linear_3(torch.tanh(model.linear_2(torch.tanh(hidden))))
    trainer.task.probe_loss(out, 32).backward()
    model.zero_grad()
    assert math.isclose(seen.wire_gradients["linear_1"], float(hidden.grad.abs().mean()), rel_tol=1e-5)
    assert seen.wire_gradients["output_1"] == seen.wire_gradients["linear_3"]
    assert "input_1" not in seen.wire_gradients  # data carries no gradient


def test_attention_maps_are_rows_of_probabilities_and_causal_ones_look_back_only() -> None:
    vocab = len(load_data(DatasetRef("text", {})).vocab)
    graph = chain(
        ("tokens", "input", {"shape": [12], "dtype": "long"}),
        ("embed", "embedding", {"num_embeddings": vocab, "embedding_dim": 16}),
        ("attend", "self_attention", {"embed_dim": 16, "num_heads": 2, "causal": True}),
        ("block_1", "transformer_block", {"d_model": 16, "num_heads": 2, "dim_feedforward": 32, "causal": False}),
        ("head", "linear", {"in_features": 16, "out_features": vocab}),
        ("output_1", "output", {}),
    )
    trainer = Trainer(project(graph, "text", task="language_model", batch_size=8), device="cpu")
    trainer.step()
    seen = Probe(trainer.compiled).inspect(trainer.task.probe_inputs(4))
    causal, full = seen.attention["attend"], seen.attention["block_1"]
    assert causal.shape == full.shape == (12, 12)
    assert np.allclose(causal.sum(axis=1), 1, atol=1e-5) and np.allclose(full.sum(axis=1), 1, atol=1e-5)
    assert np.allclose(np.triu(causal, 1), 0) and not np.allclose(np.triu(full, 1), 0)
    assert seen.wire_gradients == {}


def test_the_confusion_matrix_counts_every_validation_example() -> None:
    trainer = trained("lenet-digits", steps=60)
    matrix = trainer.task.confusion()
    assert matrix.shape == (10, 10) and matrix.sum() == len(trainer.data.val["y"])
    accuracy = np.trace(matrix) / matrix.sum()
    assert math.isclose(accuracy, trainer.evaluate()["val_accuracy"], abs_tol=1e-6)


def test_the_function_view_is_the_network_and_dropout_gives_a_band_that_widens_in_the_gap() -> None:
    """The uncertainty preset: the spread over dropout samples is widest in the gap (epistemic),
    the noise the network predicts grows to the right with the data's (aleatoric)."""
    plain = trained("linear-regression", steps=200)
    along = line(plain.compiled, (-1.0, 1.0), resolution=50)
    with torch.no_grad():
        expected = plain.model.eval()(torch.linspace(-1, 1, 50)[:, None]).T.numpy()
    plain.model.train()
    assert along.std is None and np.allclose(along.mean, expected, atol=1e-6)

    noisy = trained("uncertainty-regression", steps=2000)
    band = line(noisy.compiled, (-1.0, 1.0), resolution=61, samples=40, variance=True)
    assert noisy.model.training and band.mean.shape == band.std.shape == band.noise.shape == (1, 61)
    assert band.noise[0, -10:].mean() > 2 * band.noise[0, :10].mean()
    in_gap = band.std[0, 25:36].mean()  # x in (-0.17, 0.17): no training data there
    on_data = np.concatenate([band.std[0, 3:15], band.std[0, 46:58]]).mean()
    assert in_gap > 1.4 * on_data
