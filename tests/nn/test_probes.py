import numpy as np
import torch

from playground.core.project import load
from playground.nn.probes import Probe, block_gradient_norms, gradient_stats, tapped, weight_stats
from playground.nn.trainer import Trainer
from tests.core.test_project import PRESETS


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
