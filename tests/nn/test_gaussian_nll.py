"""A regression network that predicts its own noise: the Gaussian NLL loss against torch.nn's, the
noise it learns, and the two bands of the function view."""

import pytest
import torch
from torch import nn

from playground.core.project_types import DatasetRef
from playground.nn.data.base import load_data
from playground.nn.probes import line
from playground.nn.tasks.base import TaskError
from playground.nn.trainer import Trainer
from tests.helpers import chain, project


def regression(outputs: int, dropout: float = 0.0, **dataset) -> Trainer:
    blocks = [
        ("input_1", "input", {"shape": [1]}),
        ("linear_1", "linear", {"in_features": 1, "out_features": 32}),
        ("tanh_1", "tanh", {}),
    ]
    if dropout:
        blocks.append(("dropout_1", "dropout", {"p": dropout}))
    blocks += [("linear_2", "linear", {"in_features": 32, "out_features": outputs}), ("output_1", "output", {})]
    params = {"points": 400, "noise": 0.05, **dataset}
    setup = project(chain(*blocks), "sine", params, task="regression", loss="gaussian_nll", lr=0.01, batch_size=32)
    return Trainer(setup, device="cpu")


def test_the_loss_is_torch_gaussian_nll_on_the_mean_and_the_exp_of_the_log_variance() -> None:
    run = regression(2)
    x, y = run.data.val["x"], run.data.val["y"]
    with torch.no_grad():
        out = run.model(x)
        expected = nn.GaussianNLLLoss()(out[:, :1], y, out[:, 1:].exp()).item()
        mse = nn.functional.mse_loss(out[:, :1], y).item()
    measured = run.evaluate()
    assert measured["val_loss"] == pytest.approx(expected, rel=1e-5)
    assert measured["val_mse"] == pytest.approx(mse, rel=1e-5)


def test_a_network_without_a_log_variance_is_told_what_to_change() -> None:
    with pytest.raises(
        TaskError, match=r"needs a mean and a log-variance for each target value, \(N, 2\): set the last"
    ):
        regression(1)


def test_it_learns_noise_that_grows_along_x() -> None:
    run = regression(2, noise_growth=4.0)
    for _ in run.run(steps=1500):
        pass
    probe = line(run.compiled, (-1.0, 1.0), 101, variance=True)
    assert probe.std is None and probe.noise.shape == probe.mean.shape == (1, 101)
    left, right = probe.noise[0, :20].mean(), probe.noise[0, -20:].mean()
    assert right > 2.5 * left  # the data's spread is 5x at the right; the predicted noise follows it


def test_the_two_bands_come_apart_with_dropout() -> None:
    run = regression(2, dropout=0.2)
    for _ in run.run(steps=50):
        pass
    probe = line(run.compiled, (-1.0, 1.0), 50, variance=True)
    assert probe.std.shape == probe.noise.shape == (1, 50) and (probe.std > 0).all() and (probe.noise > 0).all()


def test_the_noise_of_the_sine_grows_as_asked() -> None:
    data = load_data(DatasetRef("sine", {"points": 4000, "noise": 0.1, "noise_growth": 3.0, "val_fraction": 0.0}))
    x, y = data.train["x"][:, 0], data.train["y"][:, 0]
    residual = y - torch.sin(3 * x)
    assert residual[x < -0.8].std() == pytest.approx(0.1 * 1.15, rel=0.2)
    assert residual[x > 0.8].std() == pytest.approx(0.1 * 3.85, rel=0.2)
