"""The training setting ``compile``: training steps run through torch.compile where the recipe allows,
compute what the eager network computes, say what compiling cost, and fall back when it fails."""

from __future__ import annotations

import pytest
import torch

from playground.core.graph import walk
from playground.core.project import load
from playground.nn.trainer import Trainer
from tests.helpers import classifier, project

PRESETS = "presets"


@pytest.fixture
def quick_compile(monkeypatch: pytest.MonkeyPatch) -> list:
    """torch.compile with dynamo's own tracing but no code generation (seconds, not a minute, on 2 cores)."""
    compiled = []
    real = torch.compile

    def compile_(module, **kwargs):
        compiled.append(module)
        return real(module, backend="eager", **kwargs)

    monkeypatch.setattr(torch, "compile", compile_)
    return compiled


def spiral(compile: bool) -> Trainer:
    return Trainer(project(classifier(), "spiral", lr=0.05, batch_size=32, compile=compile), device="cpu")


def test_a_compiled_run_trains_as_the_eager_one_and_says_what_compiling_took(quick_compile) -> None:
    eager, compiled = spiral(False), spiral(True)
    assert quick_compile, "the training step goes through torch.compile"
    assert "The first step compiles the network with torch.compile." in compiled.notes()
    assert eager.compile_seconds is None
    expected = [r.loss for r in eager.run(steps=30)]
    assert [r.loss for r in compiled.run(steps=30)] == pytest.approx(expected, rel=1e-6)
    assert compiled.compile_seconds is not None and compiled.compile_seconds > 0
    assert compiled.evaluate() == pytest.approx(eager.evaluate(), rel=1e-6)
    assert list(compiled.model.state_dict()) == list(eager.model.state_dict()), "the weights keep their names"
    compiled.reset()
    assert [r.loss for r in compiled.run(steps=30)] == pytest.approx(expected, rel=1e-6)


def test_a_network_torch_compile_cannot_compile_trains_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing(torch.nn.Module):
        def __init__(self, module: torch.nn.Module) -> None:
            super().__init__()
            self._orig_mod = module  # as torch.compile's wrapper holds the eager module

        def forward(self, *args):
            raise torch._dynamo.exc.Unsupported("an operation dynamo cannot trace")

    monkeypatch.setattr(torch, "compile", Refusing)
    trainer = spiral(True)
    losses = [r.loss for r in trainer.run(steps=20)]
    eager = spiral(False)
    eager.task.batches.next(32)  # the failed step's batch
    assert losses == pytest.approx([r.loss for r in eager.run(steps=20)], rel=1e-6), "it trains as the eager one"
    assert trainer.compile_note.startswith("torch.compile could not compile this network (an operation dynamo")
    assert trainer.compile_note.endswith("it trains without.")
    assert trainer.compile_seconds is None


def test_a_recipe_that_steps_the_parts_of_its_network_trains_without_compile(quick_compile) -> None:
    preset = load(f"{PRESETS}/gan-2d.json")
    preset.training = type(preset.training)(**{**preset.training.__dict__, "compile": True})
    trainer = Trainer(preset, device="cpu")
    assert not quick_compile
    assert "The 'gan' task trains without torch.compile: it steps the network's parts itself." in trainer.notes()
    assert len(list(trainer.run(steps=3))) == 3


def test_changing_compile_asks_for_a_fresh_start() -> None:
    trainer = spiral(False)
    restart = trainer.apply_config(type(trainer.config)(**{**trainer.config.__dict__, "compile": True}))
    assert restart == ["compile"] and trainer.config.compile is False


def test_the_language_model_compiles_too(quick_compile) -> None:
    preset = load(f"{PRESETS}/char-gpt.json")
    for block in (b for _, level in walk(preset.graph) for b in level.blocks.values()):
        if block.type == "transformer_block":  # inside its repeated group
            block.params["dropout"] = 0.0  # compiled dropout draws its masks in another order
    eager = Trainer(preset, device="cpu")
    preset.training = type(preset.training)(**{**preset.training.__dict__, "compile": True})
    compiled = Trainer(preset, device="cpu")
    expected = [r.loss for r in eager.run(steps=3)]
    assert [r.loss for r in compiled.run(steps=3)] == pytest.approx(expected, rel=1e-5)
    assert compiled.compile_note == "" and compiled.compile_seconds is not None
