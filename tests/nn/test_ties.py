"""Tied weights in torch: one tensor in both layers, trained once, saved under both names (two equal
copies, as safetensors needs), loaded back tied, and exported as the ``self.a.weight = self.b.weight``
line a torch user writes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from playground.core.files import weights_files
from playground.core.project import load
from playground.nn.checkpoint import CheckpointError, load_checkpoint, load_weights, save_checkpoint
from playground.nn.compile import compile_graph
from playground.nn.export import export_python
from playground.nn.trainer import Trainer

PRESETS = Path(__file__).resolve().parents[2] / "presets"


def tied_gpt(seed: int = 3) -> Trainer:
    """char-gpt with its output layer reading the token embedding (nanoGPT's weight tying)."""
    preset = load(PRESETS / "char-gpt.json")
    preset.graph.blocks["linear_1"].params["bias"] = False
    preset.graph.ties = {"linear_1.weight": "embedding_1.weight"}
    preset.training = preset.training.__class__(**{**preset.training.__dict__, "seed": seed, "batch_size": 8})
    return Trainer(preset, device="cpu")


def test_a_tied_weight_is_one_tensor_trained_once_and_counted_once() -> None:
    trainer = tied_gpt()
    model = trainer.model
    assert model.linear_1.weight is model.embedding_1.weight
    counted = trainer.compiled.analysis.total_params
    assert counted == sum(p.numel() for p in model.parameters())  # torch counts a shared tensor once
    untied = compile_graph(load(PRESETS / "char-gpt.json").graph).analysis.total_params
    assert counted == untied - 58 * 64 - 58  # the output layer's weight (shared) and its bias (gone)
    before = model.embedding_1.weight.detach().clone()
    list(trainer.run(steps=3))
    assert not torch.equal(before, model.embedding_1.weight) and model.linear_1.weight is model.embedding_1.weight


def test_a_checkpoint_holds_both_names_and_resumes_tied(tmp_path: Path) -> None:
    trainer = tied_gpt()
    list(trainer.run(steps=2))
    save_checkpoint(trainer, tmp_path / "run")
    weights, _ = weights_files(tmp_path / "run")
    saved = load_file(str(weights))
    assert torch.equal(saved["linear_1.weight"], saved["embedding_1.weight"])
    again = tied_gpt(seed=9)
    load_checkpoint(again, tmp_path / "run")
    assert again.model.linear_1.weight is again.model.embedding_1.weight
    assert torch.equal(again.model.linear_1.weight, trainer.model.linear_1.weight)
    saved["linear_1.weight"] = saved["linear_1.weight"] + 1  # edited by hand: the two names disagree
    save_file(saved, str(weights))
    with pytest.raises(CheckpointError, match="embedding_1.weight and linear_1.weight are one tensor .* differ"):
        load_weights(tied_gpt(), weights)


def test_the_python_export_ties_as_torch_users_write_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = tied_gpt()
    list(trainer.run(steps=2))
    target = tmp_path / "tied_model.py"
    export_python(trainer.compiled, target, with_weights=True)
    assert "        self.linear_1.weight = self.embedding_1.weight  # tied\n" in target.read_text()
    spec = importlib.util.spec_from_file_location("tied_model", target)
    exported = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, exported)
    spec.loader.exec_module(exported)
    model = exported.Model()
    model.load_state_dict(load_file(str(target.with_suffix(".safetensors"))))
    assert model.linear_1.weight is model.embedding_1.weight
    tokens = torch.randint(0, 58, (2, 64))
    trainer.model.eval()
    with torch.no_grad():
        assert torch.equal(model.eval()(tokens), trainer.model(tokens))
