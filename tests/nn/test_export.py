import subprocess
import sys
from pathlib import Path

import pytest
import torch

from playground.core.graph import Block, Link
from playground.core.project import load
from playground.nn.compile import compile_graph
from playground.nn.export import (
    ExportError,
    dynamic_dims,
    example_inputs,
    export_onnx,
    export_python,
    export_torchscript,
)
from tests.core.test_project import PRESETS
from tests.helpers import chain


def sequence_model():
    graph = chain(
        ("tokens", "input", {"shape": [6], "dtype": "long"}),
        ("embed", "embedding", {"num_embeddings": 11, "embedding_dim": 8}),
        ("pos", "positional_encoding", {"dim": 8, "max_len": 16}),
        ("block", "transformer_block", {"d_model": 8, "num_heads": 2, "dim_feedforward": 16, "causal": True}),
        ("attn", "self_attention", {"embed_dim": 8, "num_heads": 2, "causal": True}),
        ("gru", "gru", {"input_size": 8, "hidden_size": 5, "output": "last"}),
        ("scale_1", "scale", {"init": 2.0}),
        ("output_1", "output", {}),
    )
    return compile_graph(graph)


@pytest.mark.parametrize(
    "make",
    [lambda: compile_graph(load(PRESETS / "lenet-digits.json").graph), sequence_model],
    ids=["lenet", "sequence"],
)
def test_python_export_is_standalone_and_computes_the_same(make, tmp_path: Path) -> None:
    compiled = make()
    export_python(compiled, tmp_path / "m.py", origin="test")
    torch.save(compiled.module.state_dict(), tmp_path / "weights.pt")
    inputs = example_inputs(compiled)
    torch.save(inputs, tmp_path / "inputs.pt")
    expected = compiled.module.eval()(*inputs)
    torch.save(expected, tmp_path / "expected.pt")
    script = (
        "import sys, torch, m\n"
        "assert not any(name.startswith('playground') for name in sys.modules)\n"
        "model = m.Model().eval()\n"
        "model.load_state_dict(torch.load('weights.pt', weights_only=True))\n"
        "out = model(*torch.load('inputs.pt', weights_only=True))\n"
        "assert torch.allclose(out, torch.load('expected.pt', weights_only=True), atol=1e-6)\n"
        "print(tuple(out.shape))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tuple(expected.shape))
    source = (tmp_path / "m.py").read_text()
    assert "= None" not in source.split("def forward")[1]


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_torchscript_export_loads_and_matches(tmp_path: Path) -> None:
    compiled = sequence_model()
    export_torchscript(compiled, tmp_path / "m.pt")
    loaded = torch.jit.load(str(tmp_path / "m.pt"))
    inputs = example_inputs(compiled, batch=4)
    assert torch.allclose(loaded(*inputs), compiled.module.eval()(*inputs), atol=1e-6)


def test_onnx_export_without_the_onnx_package_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    compiled = compile_graph(chain(("x", "input", {"shape": [2]}), ("relu_1", "relu", {}), ("y", "output", {})))
    with pytest.raises(ExportError, match="pip install onnx"):
        export_onnx(compiled, tmp_path / "m.onnx")


def test_multi_output_export_returns_a_dict(tmp_path: Path) -> None:
    graph = chain(("x", "input", {"shape": [2]}), ("relu_1", "relu", {}), ("first", "output", {}))
    graph.add_block(Block("second", "output"))
    graph.connect(Link("x", 0, "second", 0))
    export_python(compile_graph(graph), tmp_path / "multi.py")
    script = "import torch, multi\nout = multi.Model()(torch.ones(3, 2))\nprint(sorted(out))"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['first', 'second']"


def test_a_length_the_network_fixes_is_found_without_printing_the_failure(capfd) -> None:
    compiled = compile_graph(
        chain(
            ("x", "input", {"shape": [6, 4]}),
            ("sixth", "select", {"dim": 1, "index": 5}),  # a shorter sequence has no sixth step
            ("head", "linear", {"in_features": 4, "out_features": 2}),
            ("output_1", "output", {}),
        )
    )
    assert dynamic_dims(compiled) == {"x": {0: "batch"}}
    assert capfd.readouterr().err == ""  # fx prints the line that failed on the shorter try; not to the user
