"""Compiled graphs against hand-written PyTorch: copy the weights, compare the outputs."""

import re

import pytest
import torch
from torch import fx, nn

from playground.core.graph import Block, GraphError, Link
from playground.core.project import load
from playground.core.registry import RESERVED_IDS
from playground.nn.compile import CompileError, compile_graph
from tests.core.test_project import PRESETS
from tests.helpers import chain


def copy_weights(compiled, reference: nn.Module, mapping: dict[str, str]) -> None:
    """Copy ``reference``'s parameters into the compiled module; mapping: compiled prefix -> reference prefix."""
    source = reference.state_dict()
    target = {}
    for key in compiled.module.state_dict():
        prefix, _, rest = key.partition(".")
        target[key] = source[f"{mapping[prefix]}.{rest}"]
    compiled.module.load_state_dict(target)


class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 16, 3, padding=1)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


def test_lenet_preset_equals_a_hand_written_lenet() -> None:
    compiled = compile_graph(load(PRESETS / "lenet-digits.json").graph)
    reference = LeNet()
    assert compiled.analysis.total_params == sum(p.numel() for p in reference.parameters()) == 3350
    assert sum(p.numel() for p in compiled.module.parameters()) == 3350
    copy_weights(compiled, reference, {"conv2d_1": "conv1", "conv2d_2": "conv2", "linear_1": "fc1", "linear_2": "fc2"})
    x = torch.randn(5, 1, 8, 8)
    assert torch.allclose(compiled.module(x), reference(x), atol=1e-6)


class ResidualMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(4, 16)
        self.hidden = nn.Linear(16, 16)
        self.norm = nn.LayerNorm(16)
        self.out = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(x))
        h = self.norm(h + torch.relu(self.hidden(h)))
        return self.out(h)


def test_residual_mlp_equals_hand_written() -> None:
    graph = chain(
        ("x", "input", {"shape": [4]}),
        ("inp", "linear", {"in_features": 4, "out_features": 16}),
        ("relu_1", "relu", {}),
        ("hidden", "linear", {"in_features": 16, "out_features": 16}),
        ("relu_2", "relu", {}),
    )
    for block in (Block("add_1", "add"), Block("norm", "layer_norm", {"num_features": 16})):
        graph.add_block(block)
    graph.add_block(Block("out", "linear", {"in_features": 16, "out_features": 3}))
    graph.add_block(Block("output_1", "output"))
    for link in (
        ("relu_1", 0, "add_1", 0),
        ("relu_2", 0, "add_1", 1),
        ("add_1", 0, "norm", 0),
        ("norm", 0, "out", 0),
        ("out", 0, "output_1", 0),
    ):
        graph.connect(Link(*link))
    compiled = compile_graph(graph)
    reference = ResidualMLP()
    copy_weights(compiled, reference, {"inp": "inp", "hidden": "hidden", "norm": "norm", "out": "out"})
    x = torch.randn(7, 4)
    assert torch.allclose(compiled.module(x), reference(x), atol=1e-6)
    assert "add_1 = relu_1 + relu_2" in compiled.code


class LSTMClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 12, batch_first=True)
        self.head = nn.Linear(12, 4)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embed(tokens))
        return torch.log_softmax(self.head(out[:, -1]), dim=-1)


def test_lstm_classifier_equals_hand_written() -> None:
    graph = chain(
        ("tokens", "input", {"shape": [6], "dtype": "long"}),
        ("embed", "embedding", {"num_embeddings": 20, "embedding_dim": 8}),
        ("lstm", "lstm", {"input_size": 8, "hidden_size": 12}),
        ("last", "select", {"dim": 1, "index": -1}),
        ("head", "linear", {"in_features": 12, "out_features": 4}),
        ("log_softmax_1", "log_softmax", {}),
        ("output_1", "output", {}),
    )
    compiled = compile_graph(graph)
    reference = LSTMClassifier()
    state = reference.state_dict()
    compiled.module.load_state_dict(state)
    tokens = torch.randint(0, 20, (5, 6))
    assert torch.allclose(compiled.module(tokens), reference(tokens), atol=1e-6)
    assert compiled.analysis.total_params == sum(p.numel() for p in reference.parameters())


def test_multiple_inputs_and_outputs() -> None:
    graph = chain(("a", "input", {"shape": [3]}), ("sin_1", "sin", {}), ("first", "output", {}))
    graph.add_block(Block("b", "input", {"shape": [3], "data": "y"}))
    graph.add_block(Block("concat_1", "concat"))
    graph.add_block(Block("second", "output"))
    for link in (("sin_1", 0, "concat_1", 0), ("b", 0, "concat_1", 1), ("concat_1", 0, "second", 0)):
        graph.connect(Link(*link))
    compiled = compile_graph(graph)
    assert [i.block for i in compiled.inputs] == ["a", "b"] and compiled.inputs[1].data == "y"
    a, b = torch.randn(2, 3), torch.randn(2, 3)
    out = compiled.module(a, b)
    assert set(out) == {"first", "second"}
    assert torch.equal(out["second"], torch.cat([torch.sin(a), b], dim=1))
    assert "def forward(self, a, b):" in compiled.code


def test_compiling_a_broken_graph_lists_its_problems() -> None:
    graph = chain(
        ("x", "input", {"shape": [3]}), ("linear_1", "linear", {"in_features": 4}), ("output_1", "output", {})
    )
    try:
        compile_graph(graph)
    except CompileError as exc:
        assert [p.block for p in exc.problems] == ["linear_1"]
    else:
        raise AssertionError("a broken graph compiled")


def test_autodiff_composition_gives_gradients_to_the_learnable_scale() -> None:
    graph = chain(
        ("x", "input", {"shape": [1]}),
        ("scale_1", "scale", {"init": 0.5}),
        ("sin_1", "sin", {}),
        ("pow_1", "pow", {"exponent": 3.0}),
        ("exp_1", "exp", {}),
        ("cos_1", "cos", {}),
        ("log_1", "log", {}),
        ("output_1", "output", {}),
    )
    compiled = compile_graph(graph)
    x = torch.tensor([[0.3]])
    w = torch.tensor(0.5, requires_grad=True)
    expected = torch.log(torch.cos(torch.exp(torch.sin(x * w) ** 3)))
    out = compiled.module(x)
    assert torch.allclose(out, expected)
    out.sum().backward()
    expected.sum().backward()
    assert torch.allclose(compiled.module.scale_1.weight.grad, w.grad)
    assert "pow_1 = torch.pow(sin_1, 3)" in compiled.code


def test_every_block_type_has_exactly_one_torch_builder() -> None:
    from playground.core.registry import all_specs
    from playground.nn.blocks.base import BUILDERS

    assert set(BUILDERS) == {spec.type for spec in all_specs()}


def test_block_ids_cannot_shadow_what_every_compiled_network_has() -> None:
    module = compile_graph(chain(("input_1", "input", {"shape": [2]}), ("output_1", "output", {}))).module
    own = {n for n in (*dir(fx.GraphModule), *vars(module)) if re.fullmatch(r"[a-z][a-z0-9_]*", n)}
    assert own <= RESERVED_IDS, f"reserve these too: {sorted(own - RESERVED_IDS)}"
    with pytest.raises(GraphError, match="not a valid block id.*'code'"):
        chain(("code", "linear", {}))
