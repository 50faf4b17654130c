"""Patterns of torchvision's classification zoo, written here as it writes them (torchvision is not in
the suite): a ReLU module reused inside identical residual blocks, a layer scale read before the branch
it scales, stochastic depth, DenseNet's concatenations of one and of many tensors, a submodule named
like one of Playground's own classes. Each comes in exact and goes out and in again unchanged."""

from __future__ import annotations

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from playground.nn.importing import import_module
from tests.nn.test_import_real_code import _fixed_point, _same_module


def stochastic_depth(input: torch.Tensor, p: float, mode: str, training: bool = True) -> torch.Tensor:
    """torchvision.ops.stochastic_depth's signature (fx-wrapped there, as here); identity when evaluating."""
    if not training or p == 0.0:
        return input
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    return input * torch.empty(size).bernoulli_(1.0 - p) / (1.0 - p)


stochastic_depth.__module__ = "torchvision.ops.stochastic_depth"
torch.fx.wrap("stochastic_depth")


class StochasticDepth(nn.Module):
    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: one ReLU module, called twice."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv2(self.relu(self.bn1(self.conv1(x)))) + x)


class CNBlock(nn.Module):
    """torchvision's ConvNeXt CNBlock: `self.layer_scale * self.block(input)`, then stochastic depth."""

    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(4, 4, 7, padding=3, groups=4), nn.GELU())
        self.layer_scale = nn.Parameter(torch.full((4, 1, 1), 1e-6))
        self.stochastic_depth = StochasticDepth(0.1, "row")  # a submodule named like Playground's own class

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return input + self.stochastic_depth(self.layer_scale * self.block(input))


class DenseLayer(nn.Module):
    """DenseNet's _DenseLayer: reads the concatenation of all the features before it (of one, at first)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, 2, 1)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        return self.conv(torch.cat(features, 1))


class DenseLayers(nn.Module):
    """DenseNet's _DenseBlock (17 layers: its last concatenation joins 18 tensors)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleDict({f"denselayer{i + 1}": DenseLayer(4 + 2 * i) for i in range(17)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class Zoo(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = nn.Sequential(BasicBlock(), BasicBlock())
        self.features = nn.Sequential(CNBlock(), CNBlock())
        self.dense = DenseLayers()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(self.features(self.layer1(self.relu(x))))


def test_zoo_patterns_come_in_exact_and_round_trip(tmp_path, monkeypatch) -> None:
    imported = _same_module(Zoo(), (1, 4, 6, 6))
    graph = imported.project.graph
    assert graph.blocks["layer1"].params == {"repeat": 2}  # the reused ReLU is numbered alike in both copies
    assert "relu" not in graph.blocks and graph.blocks["relu_1"].type == "relu"  # the export writes torch.relu
    assert graph.blocks["features"].params == {"repeat": 2}
    cn = graph.blocks["features"].graph
    assert cn.blocks["layer_scale"].type == "parameter"
    depth = cn.blocks["stochastic_depth"].graph.blocks["stochastic_depth_1"]
    assert (depth.type, depth.params) == ("stochastic_depth", {"p": 0.1, "mode": "row"})
    dense = graph.blocks["dense"].graph
    layers = dense.blocks["layers"].graph.blocks
    concats = [layers[f"denselayer{i}"].graph.blocks["concat_1"].params["inputs"] for i in range(1, 18)]
    assert concats == list(range(1, 18)) and dense.blocks["concat_1"].params["inputs"] == 18
    _fixed_point(imported, (1, 4, 6, 6), tmp_path, monkeypatch)


def test_stochastic_depth_drops_whole_examples_while_training_as_torchvision_does() -> None:
    imported = import_module(StochasticDepth(0.5, "row"), [(1, 3, 4)])
    from playground.nn.compile import compile_graph

    module = compile_graph(imported.project.graph).module.train()
    torch.manual_seed(0)
    out = module(torch.ones(64, 3, 4))
    kept = out.flatten(1)
    assert set(kept.unique().tolist()) == {0.0, 2.0} and bool((kept == kept[:, :1]).all())  # whole examples
    assert torch.equal(module.eval()(torch.ones(2, 3, 4)), torch.ones(2, 3, 4))


def test_a_line_in_torchvisions_code_is_the_users_not_torchs() -> None:
    from pathlib import Path

    from playground.nn.import_fx import where

    graph = torch.fx.Graph()
    node = graph.placeholder("x")
    torch_dir = Path(torch.__file__).parent
    node.stack_trace = (
        f'  File "{torch_dir}vision/models/swin_transformer.py", line 288, in forward\n'
        f'  File "{torch_dir}/nn/modules/module.py", line 1775, in _call_impl\n'
    )
    assert where(node) == "swin_transformer.py:288"  # torchvision sits beside torch: its frames are not torch's


class BatchNormAct2d(nn.BatchNorm2d):
    """timm's BatchNormAct2d, as written there: torch's batch norm forward copied out, then an activation
    and a drop kept inside the norm's module."""

    def __init__(self, num_features: int) -> None:
        super().__init__(num_features)
        self.drop = nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        average = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
        bn_training = True if self.training else (self.running_mean is None and self.running_var is None)
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, bn_training, average, self.eps)
        return self.act(self.drop(x))


class TimmBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv_dw = nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False)
        self.bn1 = BatchNormAct2d(4)
        self.drop_path = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop_path(self.bn1(self.conv_dw(x))) + x


def test_timms_batch_norm_with_its_activation_inside_comes_in_as_two_blocks(tmp_path, monkeypatch) -> None:
    module = TimmBlock().train()  # traced in training mode: its forward counts num_batches_tracked up
    counted = int(module.bn1.num_batches_tracked)
    imported = _same_module(module, (1, 4, 6, 6))
    assert int(module.bn1.num_batches_tracked) == counted  # the import leaves the module as it was
    graph = imported.project.graph
    assert graph.blocks["bn1"].type == "batch_norm2d" and graph.blocks["bn1_act"].type == "silu"
    assert not any(block.type == "identity" for block in graph.blocks.values())  # nn.Identity: a wire
    assert "bn1.num_batches_tracked" in imported.weights
    _fixed_point(imported, (1, 4, 6, 6), tmp_path, monkeypatch)
