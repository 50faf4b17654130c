"""``playground import``: exit 0 written, 1 the model cannot be represented (all of what is missing),
2 SOURCE cannot be loaded; and Playground's own exported Python comes back as the graph it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from playground.core.graph import walk
from playground.core.project import load
from playground.core.shapes import analyse
from playground.nn.compile import compile_graph
from playground.nn.export import export_python
from playground.nn.import_source import load_source
from playground.nn.importing import import_module
from tests.cli.test_cli import run
from tests.core.test_project import PRESETS

TUTORIAL = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 28 * 28, 10)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


class Rolling(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.roll(self.fc(x), 1, 1).cummax(1).values


def broken():
    raise ValueError("no weights here")
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "model.py"
    path.write_text(TUTORIAL)
    return path


def test_a_module_is_written_as_a_project_with_its_weights(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.json"
    code, said, err = run("import", f"{source}:Net", "-o", str(out), "--input-shape", "1,1,28,28", "--weights")
    assert code == 0, err
    assert f"wrote {out}: 6 blocks, 5 wires" in said and "dataset 'mnist'" in said
    project = load(out)
    assert project.dataset.id == "mnist" and project.title == "net"
    assert [b.type for b in project.graph.blocks.values()] == ["input", "conv2d", "relu", "flatten", "linear", "output"]
    weights = load_file(str(tmp_path / "net.weights.safetensors"))
    assert sorted(weights) == ["conv.bias", "conv.weight", "fc.bias", "fc.weight"]
    assert weights["fc.weight"].shape == (10, 4 * 28 * 28)
    assert run("check", str(out))[0] == 0
    code, _, err = run("import", f"{source}:Net", "-o", str(out), "--input-shape", "1,1,28,28")
    assert code == 2 and "exists; choose another name or pass --force" in err  # nothing overwritten unasked
    assert run("import", f"{source}:Net", "-o", str(out), "--input-shape", "1,1,28,28", "--force")[0] == 0


def test_what_cannot_be_represented_is_listed_and_nothing_is_written(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "rolling.json"
    code, said, err = run("import", f"{source}:Rolling", "-o", str(out), "--input-shape", "2,3,4")
    assert code == 1 and said == ""
    assert err.splitlines() == [
        f"{source}:Rolling: cannot be represented as blocks:",
        "  torch.roll at model.py:22 has no block",
        "  Tensor.cummax at model.py:22 has no block",
    ]
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "said"),
    [("broken", "broken() failed: ValueError: no weights here"), ("Nothing", "has no Nothing")],
)
def test_a_source_that_cannot_be_loaded_exits_2(source: Path, tmp_path: Path, name: str, said: str) -> None:
    code, _, err = run("import", f"{source}:{name}", "-o", str(tmp_path / "x.json"))
    assert code == 2 and said in err and "Traceback" not in err
    code, _, err = run("import", f"{tmp_path / 'absent.py'}:Net", "-o", str(tmp_path / "x.json"))
    assert code == 2 and "no such file" in err
    code, _, err = run("import", "playground.no_such_module:Net", "-o", str(tmp_path / "x.json"))
    assert code == 2 and "cannot be imported: ModuleNotFoundError" in err
    assert not (tmp_path / "x.json").exists()


def test_an_out_that_cannot_be_written_is_said_in_one_line(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "net.json"
    code, _, err = run("import", f"{source}:Net", "-o", str(out), "--input-shape", "1,1,28,28")
    assert code == 2 and "cannot be written (No such file or directory)" in err and "Traceback" not in err
    assert err.startswith(f"{out}: cannot be written"), err  # the file asked for, not the temporary beside it
    code, _, err = run(
        "import", f"{source}:Net", "-o", str(tmp_path / "y.json"), "--input-shape", "1,1,28,28", "--input-shape", "1,2"
    )
    assert code == 1 and "forward(x) takes 1 input: give one --input-shape each, in order" in err


ROUND_TRIP = (
    "perceptron",
    "linear-regression",
    "mlp-xor",
    "mlp-spiral",
    "optimizers",
    "uncertainty-regression",
    "autodiff-composition",
    "batchnorm-dropout",
    "lenet-digits",
    "lenet-mnist",
    "autoencoder-digits",
    "unet-shapes",
    "vae-digits",
    "rnn-sine",
    "transformer-reverse",
    "char-gpt",
)
"""The presets whose blocks keep the ids Playground gives them: an operation's own name (``g_relu_1``,
resnet-digits' ``stem_relu``) and a single Output's are not in the Python's calls, and a graph's node
count is its batch."""


@pytest.mark.parametrize("preset", ROUND_TRIP)
def test_the_exported_python_comes_back_as_the_graph_it_came_from(preset: str, tmp_path: Path) -> None:
    project = load(PRESETS / f"{preset}.json")
    compiled = compile_graph(project.graph)
    path = tmp_path / f"{preset.replace('-', '_')}.py"
    export_python(compiled, path)
    shapes = [(1, *info.shape[1:]) for info in compiled.inputs]
    original = load_source(f"{path}:Model")  # fresh weights, drawn by its constructor
    imported = import_module(original, shapes)
    back = compile_graph(imported.project.graph)
    levels, theirs = walk(imported.project.graph), walk(project.graph)  # the groups' insides too
    assert [prefix for prefix, _ in levels] == [prefix for prefix, _ in theirs]
    for (_, level), (_, their) in zip(levels, theirs, strict=True):
        assert level.blocks.keys() == their.blocks.keys()
        assert sorted(level.links) == sorted(their.links)
        assert {b: level.blocks[b].params.get("repeat") for b in level.blocks} == {
            b: their.blocks[b].params.get("repeat") for b in their.blocks
        }
    inputs = {info.block for info in compiled.inputs}
    for block_id, params in compiled.analysis.params.items():
        if block_id not in inputs:  # an Input's dataset field is not in the Python (its shape is)
            assert back.analysis.params[block_id] == params, block_id
        else:
            assert back.analysis.shapes[block_id] == compiled.analysis.shapes[block_id]
    assert imported.weights.keys() == compiled.module.state_dict().keys() == original.state_dict().keys()
    for key, value in original.state_dict().items():
        assert torch.equal(imported.weights[key], value), key


def test_a_network_of_groups_comes_back_as_its_groups_from_its_exported_python(tmp_path: Path) -> None:
    project = load(PRESETS / "resnet-digits.json")
    compiled = compile_graph(project.graph)
    path = tmp_path / "resnet_digits.py"
    export_python(compiled, path)
    original = load_source(f"{path}:Model")
    x = torch.randn(3, 1, 8, 8)
    original.eval()
    assert original.stage1[0](original.stem(x)).shape == (3, 16, 8, 8)  # a group is a class: callable alone
    imported = import_module(original, [(1, 1, 8, 8)])
    theirs, ours = dict(walk(project.graph)), dict(walk(imported.project.graph))
    assert ours.keys() == theirs.keys() == {"", "stage1.", "stage2."}
    their_analysis, our_analysis = analyse(project.graph), analyse(imported.project.graph)
    for prefix, level in theirs.items():
        back, path = ours[prefix], prefix.split(".")[:-1]
        assert sorted(b.type for b in back.blocks.values()) == sorted(b.type for b in level.blocks.values())
        layers = [b.id for b in level.blocks.values() if b.type in ("conv2d", "batch_norm2d", "linear")]
        settings = their_analysis.level(path).params, our_analysis.level(path).params
        assert {b: settings[1][b] for b in layers} == {b: settings[0][b] for b in layers}  # names and settings kept
        assert len(back.links) == len(level.links)
    assert ours[""].blocks["stage1"].params["repeat"] == theirs[""].blocks["stage1"].params["repeat"] == 2
    assert list(imported.weights) == list(original.state_dict()) == list(compiled.module.state_dict())


PICTURES = """
from torch import nn


class Shapes(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.head = nn.Linear(8, classes)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))
"""


def test_a_vision_model_of_three_channels_trains_on_the_shipped_image_folder(tmp_path: Path) -> None:
    source = tmp_path / "shapes.py"
    source.write_text(PICTURES)
    out = tmp_path / "shapes.json"
    code, said, err = run("import", f"{source}:Shapes", "-o", str(out), "--input-shape", "1,3,40,40")
    assert code == 0, err
    assert "It trains on the dataset 'images'" in said
    project = load(out)
    assert project.dataset.params == {"folder": "shapes-folder", "size": 40, "color": "rgb"}
    code, said, err = run("check", str(out))
    assert code == 0 and "shapes-folder: 600 images in 4 classes" in said, err
    code, said, _ = run("import", f"{source}:Shapes", "-o", str(tmp_path / "wide.json"), "--input-shape", "1,3,200,200")
    assert code == 0 and "No bundled dataset fits" in said  # pictures larger than the dataset makes
