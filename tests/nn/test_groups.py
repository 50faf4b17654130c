"""Groups compiled: submodules named after them, repeated copies numbered, the same computation as
the blocks ungrouped, and exports that carry the hierarchy."""

import subprocess
import sys
from pathlib import Path

import torch

from playground.core.groups import GroupBlocks, Unroll
from playground.nn.compile import compile_graph
from playground.nn.export import example_inputs, export_python, export_torchscript
from tests.core.test_groups import residual


def grouped(repeat: int = 1):
    graph = residual()
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(graph)
    graph.set_param("block", "repeat", repeat)
    return graph


def test_a_group_is_a_submodule_and_computes_what_its_blocks_did() -> None:
    flat, group = compile_graph(residual()), compile_graph(grouped())
    assert list(group.module.state_dict()) == ["block.linear_1.weight", "block.linear_1.bias"]
    assert isinstance(group.module.get_submodule("block"), torch.nn.Module)
    group.module.load_state_dict({f"block.{k}": v for k, v in flat.module.state_dict().items()})
    x = torch.randn(5, 4)
    assert torch.equal(group.module(x), flat.module(x))


def test_repeated_copies_are_numbered_with_their_own_weights_like_nn_sequential() -> None:
    compiled = compile_graph(grouped(repeat=3))
    keys = list(compiled.module.state_dict())
    assert keys == [f"block.{i}.linear_1.{p}" for i in range(3) for p in ("weight", "bias")]
    weights = [compiled.module.get_submodule(f"block.{i}.linear_1").weight for i in range(3)]
    assert not torch.equal(weights[0], weights[1])
    x = torch.randn(2, 4)
    by_hand = x
    for i in range(3):
        by_hand = torch.relu(compiled.module.get_submodule(f"block.{i}.linear_1")(by_hand)) + by_hand
    assert torch.allclose(compiled.module(x), by_hand)
    assert compiled.analysis.total_params == 60


def test_a_repeated_group_unrolled_computes_the_same_with_its_copies_weights() -> None:
    repeated = grouped(repeat=3)
    unrolled = repeated.copy()
    Unroll("block").do(unrolled)
    before, after = compile_graph(repeated).module, compile_graph(unrolled).module
    after.load_state_dict(
        {f"block_{int(k.split('.')[1]) + 1}.{k.split('.', 2)[2]}": v for k, v in before.state_dict().items()}
    )
    x = torch.randn(4, 4)
    assert torch.allclose(after(x), before(x))


def test_exports_keep_the_hierarchy_and_compute_the_same(tmp_path: Path) -> None:
    compiled = compile_graph(grouped(repeat=2))
    source = tmp_path / "model.py"
    export_python(compiled, source, with_weights=True)
    text = source.read_text()
    assert "class Block(torch.nn.Module):" in text  # the group's class, its copies instances of it
    assert "self.block = torch.nn.ModuleList([Block() for _ in range(2)])" in text
    assert "self.linear_1 = torch.nn.Linear(" in text
    check = (
        "import torch, sys; sys.path.insert(0, '.');"
        "from model import Model; from safetensors.torch import load_file;"
        "m = Model(); m.load_state_dict(load_file('model.safetensors')); m.eval(); x = torch.load('x.pt');"
        "torch.save((m(x), m.block[0](x)), 'y.pt')"
    )
    x = example_inputs(compiled)[0]
    torch.save(x, tmp_path / "x.pt")
    subprocess.run([sys.executable, "-c", check], cwd=tmp_path, check=True)
    whole, first = torch.load(tmp_path / "y.pt")
    assert torch.allclose(whole, compiled.module(x))
    linear = compiled.module.get_submodule("block.0.linear_1")
    assert torch.allclose(first, torch.relu(linear(x)) + x)  # one copy of the group, called on its own
    export_torchscript(compiled, tmp_path / "model.pt")
    assert torch.allclose(torch.jit.load(str(tmp_path / "model.pt"))(x), compiled.module(x))
