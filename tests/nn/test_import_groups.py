"""Importing models whose submodules nest, as public tutorials write them: each submodule becomes a
group, so the blocks' weights keep the module's own state dict keys, in its order."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import nn

from playground.core.project import loads
from playground.core.project_write import dumps
from playground.core.shapes import analyse
from playground.nn.compile import compile_graph
from playground.nn.importing import import_module
from tests.helpers import chain


class BasicBlock(nn.Module):
    """kuangliu/pytorch-cifar, models/resnet.py (CIFAR-style ResNet-18)."""

    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, block=BasicBlock, num_blocks=(2, 2, 2, 2), num_classes=10):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.linear = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        return self.linear(out)


class DoubleConv(nn.Module):
    """milesial/Pytorch-UNet, unet_parts.py: (convolution => BN => ReLU) * 2."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
        self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        return self.conv(torch.cat([x2, x1], dim=1))


class SmallUNet(nn.Module):
    """A two-level U-Net from those parts."""

    def __init__(self) -> None:
        super().__init__()
        self.inc = DoubleConv(1, 8)
        self.down1 = Down(8, 16)
        self.down2 = Down(16, 32)
        self.up1 = Up(32, 16)
        self.up2 = Up(16, 8)
        self.outc = nn.Conv2d(8, 2, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x = self.up1(x3, x2)
        x = self.up2(x, x1)
        return self.outc(x)


def imported_equals(module: nn.Module, shape: tuple[int, ...]):
    """Import, load the weights, compare: the same keys in the same order, the same outputs."""
    module.eval()
    for buffer in module.buffers():  # BatchNorm's running statistics away from their start
        if buffer.is_floating_point():
            buffer.uniform_(0.5, 1.5)
    imported = import_module(module, [shape])
    compiled = compile_graph(loads(dumps(imported.project)).graph)
    assert list(compiled.module.state_dict()) == list(module.state_dict())
    compiled.module.load_state_dict(imported.weights)
    compiled.module.eval()
    x = torch.randn(2, *shape[1:])
    with torch.no_grad():
        assert torch.allclose(compiled.module(x), module(x), rtol=1e-4, atol=1e-5)
    return imported.project.graph


def test_resnet18_comes_in_as_stages_of_residual_blocks_with_its_own_names() -> None:
    graph = imported_equals(ResNet(), (1, 3, 32, 32))
    assert [b for b in graph.blocks if graph.blocks[b].type == "group"] == ["layer1", "layer2", "layer3", "layer4"]
    first = graph.blocks["layer1"]  # two identical residual blocks: one, repeated
    assert first.params == {"repeat": 2} and {"conv1", "relu_1", "add_1"} <= set(first.graph.blocks)
    stage = graph.blocks["layer2"].graph  # its first block downsamples: two different ones
    assert graph.blocks["layer2"].params == {} and list(stage.blocks) == ["x", "0", "1", "y"]
    block = stage.blocks["0"].graph
    assert {"conv1", "bn1", "conv2", "bn2", "shortcut"} <= set(block.blocks)
    assert list(block.blocks["shortcut"].graph.blocks) == ["x", "0", "1", "y"]  # its Sequential's Conv2d, BatchNorm2d


def test_a_unet_comes_in_with_its_skip_connections_as_ports() -> None:
    graph = imported_equals(SmallUNet(), (1, 1, 16, 16))
    up = graph.blocks["up1"]
    assert [b.type for b in up.graph.blocks.values()].count("group_input") == 2  # x1 and the skip x2
    assert list(graph.blocks["down1"].graph.blocks["maxpool_conv"].graph.blocks["1"].graph.blocks) == [
        "x",
        "double_conv",
        "y",
    ]


def test_a_resnet_exported_as_python_runs_computes_the_same_and_imports_again_as_its_groups(tmp_path) -> None:
    import importlib.util

    from playground.nn.export import export_python

    original = ResNet().eval()
    graph = imported_equals(original, (1, 3, 32, 32))
    compiled = compile_graph(graph)
    compiled.module.load_state_dict(original.state_dict())
    target = tmp_path / "resnet_out.py"
    export_python(compiled, target)
    spec = importlib.util.spec_from_file_location("resnet_out", target)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    model = exported.Model().eval()  # layer2's numbered children are registered, not item-assigned
    model.load_state_dict(original.state_dict())
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(model(x), original(x), rtol=1e-4, atol=1e-5)
    again = import_module(model, [(1, 3, 32, 32)]).project.graph
    assert [b for b in again.blocks if again.blocks[b].type == "group"] == ["layer1", "layer2", "layer3", "layer4"]
    assert list(again.blocks["layer2"].graph.blocks) == ["x", "0", "1", "y"]


class WithTargets(nn.Module):
    """A forward() with defaulted arguments, as nanoGPT's ``forward(idx, targets=None)``."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, targets=None, scale: float = 1.0, has_mask: bool = True):
        logits = self.fc(x)
        if scale != 1.0:
            logits = logits * scale
        if targets is None:
            return logits
        return F.cross_entropy(logits, targets)


def test_defaulted_forward_arguments_are_traced_at_their_default_not_made_inputs() -> None:
    graph = imported_equals(WithTargets(), (1, 4))
    assert [b.id for b in graph.blocks.values() if b.type == "input"] == ["x"]
    assert not any("assert" in b.id or "targets" in b.id for b in graph.blocks.values())


class MobileGate(nn.Module):
    """The activations of mobile networks, as modules and as functions: ReLU6, Hardswish, Hardsigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.relu6 = nn.ReLU6(inplace=True)
        self.hardswish = nn.Hardswish()
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        y = self.gate(self.hardswish(self.relu6(self.fc(x))))
        return y + F.relu6(x) + F.hardswish(x) + F.hardsigmoid(x)


def test_mobile_activations_come_in_as_their_blocks_and_compute_what_torch_does() -> None:
    module = MobileGate()
    with torch.no_grad():
        module.fc.weight.mul_(20)  # past ReLU6's cap and Hardswish's and Hardsigmoid's bends
    graph = imported_equals(module, (1, 8))
    kinds = [b.type for b in graph.blocks.values()]
    assert kinds.count("relu6") == 2 and kinds.count("hardswish") == 2 and kinds.count("hardsigmoid") == 2


class GlobalPool(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = self.conv(x)
        pooled = torch.cat([F.adaptive_avg_pool2d(x, 1), F.adaptive_max_pool2d(x, (1, 1))], 1)
        return self.fc(torch.flatten(pooled, 1))


def test_functional_adaptive_pooling_comes_in_as_its_block() -> None:
    graph = imported_equals(GlobalPool(), (1, 3, 9, 9))
    kinds = [b.type for b in graph.blocks.values()]
    assert kinds.count("adaptive_avg_pool2d") == 1 and kinds.count("adaptive_max_pool2d") == 1


class ChannelDropping(nn.Module):
    """A convolution followed by nn.Dropout2d, as image classifiers regularise."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.drop = nn.Dropout2d(0.3)

    def forward(self, x):
        return self.drop(self.conv(x))


def test_dropout2d_comes_in_as_its_block_and_drops_whole_channels_as_torch_does() -> None:
    module = ChannelDropping()
    graph = imported_equals(module, (1, 3, 8, 8))  # in eval mode: the identity
    assert graph.blocks["drop"].type == "dropout2d" and graph.blocks["drop"].params == {"p": 0.3}
    compiled = compile_graph(graph)
    compiled.module.load_state_dict(module.state_dict())
    compiled.module.train()
    module.train()
    x = torch.randn(4, 3, 8, 8)
    torch.manual_seed(7)
    ours = compiled.module(x)
    torch.manual_seed(7)
    assert torch.equal(ours, module(x))  # the same channels dropped, the others scaled by 1 / (1 - p)
    dropped = ours.abs().sum(dim=(2, 3)) == 0
    assert dropped.any() and not dropped.all()


class FlatDropping(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(6, 8)
        self.drop = nn.Dropout2d(0.3)

    def forward(self, x):
        return self.drop(self.linear(x))


def test_dropout2d_on_flat_features_comes_in_and_drops_as_torch_does() -> None:
    """torch still applies Dropout2d to (N, F) (deprecated, with a warning): the import was refused."""
    module = FlatDropping()
    graph = imported_equals(module, (4, 6))
    compiled = compile_graph(graph)
    compiled.module.load_state_dict(module.state_dict())
    compiled.module.train()
    module.train()
    x = torch.randn(5, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation of this use
        torch.manual_seed(3)
        ours = compiled.module(x)
        torch.manual_seed(3)
        assert torch.equal(ours, module(x))
    graph = chain(("x", "input", {"shape": [2, 3, 4, 5]}), ("drop", "dropout2d", {}), ("y", "output", {}))
    assert "image batch" in analyse(graph).problems_of("drop")[0].message  # 5-D: torch refuses it too
