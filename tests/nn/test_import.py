"""Importing torch modules: models written as public tutorials write them come in as blocks that compute
what they compute, with their weights under their names; what has no block is reported, all at once."""

from __future__ import annotations

import collections
import operator
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import fx, nn

from playground.core.graph import Block, Graph, Link
from playground.core.registry import AUTO, all_specs
from playground.core.shapes import example_shapes
from playground.nn.blocks.base import INVERSES
from playground.nn.compile import compile_graph
from playground.nn.import_masks import ends_as_mask
from playground.nn.import_parameters import PATTERN_METHODS
from playground.nn.import_trace import Unrepresentable
from playground.nn.importing import import_module


class CifarNet(nn.Module):
    """pytorch.org, "Training a classifier" (CIFAR-10)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock with a projection shortcut, written flat."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.downsample = nn.Conv2d(3, 8, 1, stride=2, bias=False)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = self.relu(out + self.downsample(x))
        return self.fc(self.pool(out).view(out.size(0), -1))


class TinyTransformerHead(nn.Module):
    """Embedding, LayerNorm, a GELU MLP with dropout, the last step, log-probabilities."""

    def __init__(self) -> None:
        super().__init__()
        self.tok = nn.Embedding(20, 16)
        self.ln = nn.LayerNorm(16)
        self.up = nn.Linear(16, 32)
        self.drop = nn.Dropout(0.1)
        self.down = nn.Linear(32, 16)
        self.head = nn.Linear(16, 20)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok(idx)
        x = x + self.down(self.drop(F.gelu(self.up(self.ln(x)))))
        return F.log_softmax(self.head(x[:, -1]), dim=-1)


def _compiled_with_weights(imported) -> nn.Module:
    module = compile_graph(imported.project.graph).module
    module.load_state_dict(imported.weights)
    return module


@pytest.mark.parametrize(
    ("make", "shape", "tokens"),
    [(CifarNet, (1, 3, 32, 32), 0), (BasicBlock, (1, 3, 16, 16), 0), (TinyTransformerHead, (1, 7), 20)],
)
def test_a_tutorial_model_comes_in_computing_what_it_computes_with_its_weights_names(make, shape, tokens) -> None:
    torch.manual_seed(0)
    original = make()
    imported = import_module(original, [shape])
    assert list(imported.weights) == list(original.state_dict())  # the same names, in the same order
    ours = _compiled_with_weights(imported)
    batch = (5, *shape[1:])
    x = torch.randint(0, tokens, batch) if tokens else torch.randn(batch)
    original.eval(), ours.eval()
    with torch.no_grad():
        assert torch.allclose(ours(x), original(x), atol=1e-6)
    if not tokens:  # batch statistics in training mode too
        original.train(), ours.train()
        assert torch.allclose(ours(x), original(x), atol=1e-5)


def test_the_blocks_keep_the_layers_names_and_are_wired_as_forward_reads() -> None:
    graph = import_module(BasicBlock(), [(1, 3, 16, 16)]).project.graph
    assert graph.blocks["conv1"].type == "conv2d" and graph.blocks["bn1"].params["num_features"] == 8
    add = next(block for block in graph.blocks.values() if block.type == "add")
    assert sorted(link.src for link in graph.links if link.dst == add.id) == ["bn2", "downsample"]
    assert graph.blocks["conv1"].params | {"padding_mode": "zeros"} == graph.blocks["conv1"].params
    assert graph.blocks["conv1"].params["bias"] is False and graph.blocks["conv1"].params["stride"] == 2
    assert {block.type for block in graph.blocks.values()} >= {"input", "output", "reshape", "adaptive_avg_pool2d"}
    assert all(block.x or block.y for block in graph.blocks.values() if block.type != "input")  # laid out


class InceptionStem(nn.Module):
    """Named as torchvision names Inception's layers: such names became conv2d_1, their weights renamed."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(F.relu(self.Conv2d_1a_3x3(x)).mean((2, 3)))


def test_layers_named_with_capitals_keep_their_names_through_the_file() -> None:
    from playground.core.project import loads
    from playground.core.project_write import dumps

    original = InceptionStem()
    imported = import_module(original, [(1, 3, 16, 16)])
    assert "Conv2d_1a_3x3" in imported.project.graph.blocks
    assert list(imported.weights) == list(original.state_dict())  # Conv2d_1a_3x3.weight, as torch has it
    again = loads(dumps(imported.project))
    assert again.graph == imported.project.graph
    ours = compile_graph(again.graph).module
    ours.load_state_dict(imported.weights)
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(ours(x), original(x), atol=1e-6)


class Unsupported(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.register_buffer("scale", torch.ones(4))  # not learned: no Parameter block holds it
        self.conv = nn.Conv1d(5, 5, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.roll(self.lin(x), 1, 1)
        z = x * self.scale
        return self.lin(self.lin(x)) * z + y.cumsum(1) + self.conv(x)


def test_what_has_no_block_is_said_all_at_once_with_its_source_line() -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(Unsupported(), [(1, 5, 4)])
    problems = caught.value.problems
    line = Unsupported.forward.__code__.co_firstlineno
    assert f"torch.roll at test_import.py:{line + 1} has no block" in problems
    assert f"self.scale at test_import.py:{line + 2}: a tensor used outside a layer has no block" in problems
    assert any(p.startswith("torch.nn.Linear (lin)") and "called twice" in p for p in problems)
    assert f"Tensor.cumsum at test_import.py:{line + 3} has no block" in problems
    assert len(problems) == 4  # the merges fed by those are not blamed; the Conv1d has its block


def test_an_input_whose_shape_no_layer_says_must_be_given() -> None:
    with pytest.raises(Unrepresentable, match=r"'x' needs its shape: --input-shape"):
        import_module(CifarNet(), [])
    mlp = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    imported = import_module(mlp, [])
    assert imported.project.graph.blocks["input_1"].params["shape"] == [3]
    assert [b.type for b in imported.project.graph.blocks.values()] == [
        "input", "linear", "tanh", "linear", "output"
    ]  # fmt: skip
    assert list(imported.weights) == ["linear_1.weight", "linear_1.bias", "linear_2.weight", "linear_2.bias"]
    assert torch.equal(imported.weights["linear_2.bias"], mlp[2].bias.detach())


def test_an_operation_whose_arguments_no_block_takes_says_which() -> None:
    class Approximate(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.gelu(x, approximate="tanh") + 1.0

    with pytest.raises(Unrepresentable) as caught:
        import_module(Approximate(), [(1, 3)])
    assert caught.value.problems == [
        f"F.gelu at test_import.py:{Approximate.forward.__code__.co_firstlineno + 1}: "
        "GELU's tanh approximation has no block"
    ]


def _one_block_graph(spec) -> Graph | None:
    example = example_shapes(spec)
    if example is None:
        return None
    graph = Graph()
    graph.add_block(Block("b", spec.type, {p.name: AUTO for p in spec.params if p.infer_from is not None}))
    for port, shape in enumerate(example[0]):
        dtype = "long" if spec.type == "embedding" else "float"
        graph.add_block(Block(f"in_{port}", "input", {"shape": list(shape[1:]), "dtype": dtype}))
        graph.connect(Link(f"in_{port}", 0, "b", port))
    for port in range(len(example[1])):
        graph.add_block(Block(f"out_{port}", "output", {}))
        graph.connect(Link("b", port, f"out_{port}", 0))
    return graph


def test_every_torch_operation_a_builder_emits_has_its_inverse() -> None:
    """Every block is built here from its worked example: a block with none (its ports fit no
    EXAMPLE_INPUTS and it declares no ``example``) fails, rather than going unchecked."""
    missing, seen, unexampled = set(), 0, []
    for spec in all_specs():
        if spec.type in ("input", "output") or spec.category == "Groups":
            continue
        graph = _one_block_graph(spec)
        if graph is None:
            unexampled.append(spec.type)
            continue
        compiled = compile_graph(graph)
        for node in compiled.module.graph.nodes:
            if node.op == "call_module":
                key = type(compiled.module.get_submodule(node.target))
            elif node.op in ("call_function", "call_method") and node.target is not operator.getitem:
                key = node.target
                if key in PATTERN_METHODS:  # a Parameter block's size and expand: read back as the block
                    continue
            else:
                continue
            seen += 1
            if key not in INVERSES:
                missing.add(f"{spec.type}: {key}")
    assert unexampled == [], "no worked example (BlockSpec.example) for these blocks"
    assert seen > 40 and not missing


def test_a_class_named_like_playgrounds_own_is_traced_as_the_users() -> None:
    class Scale(nn.Module):  # the name of Playground's Scale, another module
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.weight

    graph = import_module(Scale(), [(1, 3)]).project.graph  # not Playground's Scale block: the user's code
    assert [block.type for block in graph.blocks.values()] == ["input", "parameter", "multiply", "output"]


def test_a_long_chain_of_operations_is_walked_without_recursion() -> None:
    """Whether a value ends as a mask is asked of every tensor made without inputs; a network of
    thousands of functional operations in a row must not exhaust Python's recursion limit."""
    graph = fx.Graph()
    value = graph.call_function(torch.ones, (2,))
    first = value
    for _ in range(3 * sys.getrecursionlimit()):
        value = graph.call_function(operator.neg, (value,))
    graph.output(value)
    assert ends_as_mask(first) is False


class Counting(nn.Module):
    """Keeps a call count and scales by it: another result at each call."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 2)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.linear(x) * self.calls


def _hooked() -> nn.Module:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[0].register_forward_hook(lambda module, args, out: out * 2)
    return model


def _nan_weight() -> nn.Module:
    model = nn.Sequential(nn.Linear(3, 2))
    with torch.no_grad():
        model[0].weight[0, 0] = float("nan")
    return model


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_hooked, "the module has forward hooks (on 0)"),
        (Counting, "gives another result each time it is called on the same inputs"),
        (_nan_weight, "the module's own output holds NaN or infinite values"),
    ],
)
def test_a_module_that_computes_otherwise_is_said_to_and_playground_is_not_blamed(make, said: str) -> None:
    with pytest.raises(Unrepresentable) as caught:
        import_module(make(), [(4, 3)])
    assert said in str(caught.value.problems[0]) and "bug in Playground" not in str(caught.value.problems)


Heads = collections.namedtuple("Heads", ["logits", "aux_logits"])


class TwoHeads(nn.Module):
    """Returns a named tuple, as GoogLeNet and Inception do in training mode."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Linear(4, 8)
        self.fc = nn.Linear(8, 3)
        self.aux = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.relu(self.trunk(x))
        return Heads(self.fc(h), aux_logits=self.aux(h))


def test_a_named_tuple_of_outputs_comes_in_as_outputs_named_by_its_fields() -> None:
    module = TwoHeads()
    imported = import_module(module, [(2, 4)])
    outputs = [b.id for b in imported.project.graph.blocks.values() if b.type == "output"]
    assert outputs == ["logits", "aux_logits"]
    ours = compile_graph(imported.project.graph).module
    ours.load_state_dict(imported.weights)
    x = torch.randn(5, 4)
    with torch.no_grad():
        got, wanted = ours(x), module(x)
    assert torch.equal(got["logits"], wanted.logits) and torch.equal(got["aux_logits"], wanted.aux_logits)


class RegNetStage(nn.Sequential):
    """Named as torchvision's RegNet names its blocks: ``block1-0`` was flattened and renamed."""

    def __init__(self) -> None:
        super().__init__()
        for i in range(2):
            self.add_module(f"block1-{i}", nn.Sequential(nn.Linear(4, 4), nn.ReLU()))


class RegNetLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.trunk_output = nn.Sequential(collections.OrderedDict([("block1", RegNetStage())]))
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.trunk_output(x))


def test_blocks_named_with_hyphens_keep_torchs_names_in_the_file_and_the_python_export(tmp_path) -> None:
    import importlib.util

    from playground.core.project import loads
    from playground.core.project_write import dumps
    from playground.nn.export import python_source

    original = RegNetLike()
    imported = import_module(original, [(1, 4)])
    assert list(imported.weights) == list(original.state_dict())  # trunk_output.block1.block1-0.0.weight
    again = loads(dumps(imported.project))
    assert again.graph == imported.project.graph
    x = torch.randn(3, 4)
    ours = compile_graph(again.graph).module
    ours.load_state_dict(imported.weights)
    with torch.no_grad():
        assert torch.allclose(ours(x), original(x), atol=1e-6)
    (tmp_path / "exported.py").write_text(python_source(compile_graph(again.graph)))
    spec = importlib.util.spec_from_file_location("exported", tmp_path / "exported.py")
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    model = exported.Model()
    model.load_state_dict(imported.weights)
    with torch.no_grad():
        assert torch.allclose(model(x), original(x), atol=1e-6)
