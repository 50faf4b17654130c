"""``playground import`` on code that misbehaves: it ends the program, is interrupted, or joins three
tensors. Each is said in a line with an exit code of Playground's own; nothing is half written."""

from pathlib import Path

import torch

from playground.core.project import load
from playground.nn.checkpoint import fit_weights, read_weights
from playground.nn.compile import compile_graph
from tests.cli.test_cli import run

SOURCE = """
import sys
import torch
from torch import nn


class Three(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(4, 3), nn.Linear(4, 2), nn.Linear(4, 5)
        self.fc = nn.Linear(10, 2)

    def forward(self, x):
        return self.fc(torch.cat([self.a(x), self.b(x), self.c(x)], 1))


class Exits(nn.Module):
    def __init__(self):
        super().__init__()
        sys.exit(0)


class Interrupted(nn.Module):
    def __init__(self):
        super().__init__()
        raise KeyboardInterrupt
"""


def test_code_that_ends_the_program_or_is_interrupted_is_said_and_nothing_is_written(tmp_path: Path) -> None:
    source = tmp_path / "models.py"
    source.write_text(SOURCE)
    target = tmp_path / "out.json"
    code, out, err = run("import", f"{source}:Exits", "-o", str(target))
    assert code == 2 and "called sys.exit(0) while it was imported: nothing was written" in err
    code, out, err = run("import", f"{source}:Interrupted", "-o", str(target))
    assert code == 130 and "the import was stopped (Ctrl+C)" in err
    assert not target.exists() and out == ""


def test_a_cat_of_three_tensors_imports_as_one_concat_and_computes_the_same(tmp_path: Path) -> None:
    source = tmp_path / "models.py"
    source.write_text(SOURCE)
    target = tmp_path / "three.json"
    code, _, err = run("import", f"{source}:Three", "-o", str(target), "--weights")
    assert code == 0, err
    graph = load(target).graph
    concat = next(block for block in graph.blocks.values() if block.type == "concat")
    assert concat.params["inputs"] == 3 and len([k for k in graph.links if k.dst == concat.id]) == 3
    compiled = compile_graph(graph)
    fit_weights(compiled.module, read_weights(tmp_path / "three.weights.safetensors"), target)
    namespace: dict = {}
    exec(compile(SOURCE, str(source), "exec"), namespace)
    original = namespace["Three"]()
    original.load_state_dict(read_weights(tmp_path / "three.weights.safetensors"))
    x = torch.randn(5, 4)
    assert torch.allclose(compiled.module(x), original(x), atol=1e-6)
