"""A classifier that ends in Softmax, LogSoftmax or Sigmoid learns from the scores entering that block
(the logits), as Keras' from_logits does, and still outputs probabilities."""

import pytest
import torch
import torch.nn.functional as F

from playground.nn.compile import compile_graph
from playground.nn.trainer import Trainer
from tests.helpers import chain, project

SLIDE = [
    ("input_1", "input", {"shape": [2]}),
    ("linear_1", "linear", {"in_features": 2, "out_features": 12}),
    ("tanh_1", "tanh", {}),
    ("linear_2", "linear", {"in_features": 12, "out_features": 3}),
]


def trainer(ending: list, loss: str = "auto", classes: int = 3) -> Trainer:
    blocks = [*SLIDE[:3], ("linear_2", "linear", {"in_features": 12, "out_features": classes}), *ending]
    dataset = "blobs-3" if classes == 3 else "moons"
    graph = chain(*blocks, ("output_1", "output", {}))
    settings = {"lr": 0.05, "batch_size": 16, "seed": 3, "loss": loss}
    return Trainer(project(graph, dataset, {"points": 300}, **settings), device="cpu")


def losses(run: Trainer, steps: int = 40) -> list[float]:
    return [report.loss for report in run.run(steps=steps)]


def test_the_slide_model_ending_in_softmax_trains_like_its_logits_twin_step_by_step() -> None:
    slide = trainer([("softmax_1", "softmax", {"dim": -1})], loss="cross_entropy")
    twin = trainer([], loss="cross_entropy")
    assert losses(slide) == pytest.approx(losses(twin), rel=1e-6)
    assert slide.evaluate() == pytest.approx(twin.evaluate(), rel=1e-6)
    assert "softmax_1" in slide.task.loss_note and "logits" in slide.task.loss_note
    assert twin.task.loss_note == ""


def test_the_softmax_model_still_outputs_probabilities() -> None:
    slide = trainer([("softmax_1", "softmax", {"dim": -1})])
    losses(slide, 10)
    x = slide.data.val["x"][:50]
    with torch.no_grad():
        probabilities = slide.model(x)
        logits = slide.task.scorer(x)
    assert torch.allclose(probabilities.sum(-1), torch.ones(50), atol=1e-6)
    assert (probabilities >= 0).all()
    assert torch.allclose(probabilities, torch.softmax(logits, -1), atol=1e-6)


def test_log_softmax_with_nll_is_cross_entropy_on_the_logits() -> None:
    ending = trainer([("log_softmax_1", "log_softmax", {"dim": -1})], loss="nll")
    assert losses(ending) == pytest.approx(losses(trainer([], loss="cross_entropy")), rel=1e-6)


def test_sigmoid_with_binary_cross_entropy_reads_the_logit() -> None:
    ending = trainer([("sigmoid_1", "sigmoid", {})], loss="bce", classes=1)
    twin = trainer([], loss="bce", classes=1)
    assert losses(ending) == pytest.approx(losses(twin), rel=1e-6)
    x, y = ending.data.val["x"], ending.data.val["y"]
    with torch.no_grad():
        expected = F.binary_cross_entropy(ending.model(x).squeeze(-1), y.float()).item()
    assert ending.evaluate()["val_loss"] == pytest.approx(expected, rel=1e-4)


def test_a_softmax_over_another_dimension_is_not_a_classifier_ending() -> None:
    graph = chain(
        ("input_1", "input", {"shape": [4, 3]}),
        ("softmax_1", "softmax", {"dim": 1}),
        ("output_1", "output", {}),
    )
    compiled = compile_graph(graph)
    assert compiled.final is None
    assert compiled.logits_module() is compiled.module
