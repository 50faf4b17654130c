"""playground.show / to_project / load, as the notebook-style example in docs/importing.md uses them:
the example itself is run, with the window's process recorded instead of started."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import playground
from playground.core.project import load as load_project
from playground.nn.import_trace import Unrepresentable

DOCS = Path(__file__).resolve().parents[2] / "docs" / "importing.md"


def test_the_documented_example_runs_and_opens_the_project_it_wrote(monkeypatch, tmp_path: Path) -> None:
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda command, **options: started.append((command, options)))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    section = DOCS.read_text().split("## From Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # the example asserts that load() computes the same
    ((command, options),) = started
    path = namespace["path"]
    assert command == [sys.executable, "-m", "playground", str(path)] and options == {"start_new_session": True}
    assert path.is_relative_to(tmp_path) and path.with_name(path.stem + ".weights.safetensors").is_file()
    saved = load_project(path)
    assert [b.type for b in saved.graph.blocks.values()] == ["input", "linear", "tanh", "linear", "output"]
    assert namespace["project"].dataset.id == saved.dataset.id != ""  # a bundled 2-D dataset fits


def test_load_gives_the_trained_weights_or_the_seeded_fresh_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", lambda command, **options: None)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    path = playground.show(model, torch.randn(2, 3), path=tmp_path / "net.json")
    assert torch.equal(playground.load(path).get_submodule("linear_1").weight, model[0].weight)
    path.with_name("net.weights.safetensors").unlink()
    fresh = [playground.load(path).get_submodule("linear_1").weight for _ in range(2)]
    assert torch.equal(*fresh) and not torch.equal(fresh[0], model[0].weight)


def test_what_cannot_be_represented_is_raised_with_its_problems() -> None:
    class Rolls(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.roll(x, 1, 1)

    with pytest.raises(Unrepresentable) as caught:
        playground.to_project(Rolls(), torch.randn(2, 3))
    assert caught.value.problems[0].startswith("torch.roll at test_from_python.py:")
    with pytest.raises(TypeError, match="example input"):
        playground.to_project(Rolls())


def test_show_never_replaces_a_file_and_refuses_what_is_no_module(tmp_path: Path, monkeypatch) -> None:
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda command, **options: started.append(command))
    mine = tmp_path / "net.json"
    mine.write_text("my own notes")
    with pytest.raises(FileExistsError, match=r"net.json: exists; show\(\) writes a new project"):
        playground.show(nn.Linear(2, 2), torch.randn(1, 2), path=mine)
    assert mine.read_text() == "my own notes" and not started
    (tmp_path / "other.weights.safetensors").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="other.weights.safetensors: exists"):
        playground.show(nn.Linear(2, 2), torch.randn(1, 2), path=tmp_path / "other.json")
    assert not (tmp_path / "other.json").exists() and not started
    with pytest.raises(TypeError, match="give a torch.nn.Module to import, not str"):
        playground.to_project("model.py", torch.randn(1, 2))
