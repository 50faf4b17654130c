"""Exports of a trained project carry its trained weights: every format computes what the trainer's model
computes, and ONNX keeps a token model's sequence length free."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.core.project import load
from playground.nn.checkpoint import save_checkpoint
from playground.nn.export import example_inputs
from playground.nn.trainer import Trainer
from tests.cli.test_cli import run
from tests.core.test_project import PRESETS


def trained(tmp_path: Path, preset: str, steps: int) -> tuple[Path, Trainer]:
    """A copy of the preset trained ``steps`` steps, its weights saved beside it as ``train --save-weights`` does."""
    path = tmp_path / f"{preset}.json"
    shutil.copy(PRESETS / f"{preset}.json", path)
    trainer = Trainer(load(path), device="cpu", base_dir=tmp_path)
    for _ in trainer.run(steps=steps):
        pass
    save_checkpoint(trainer, path.with_suffix(""))
    return path, trainer


def expected(trainer: Trainer, inputs: tuple[torch.Tensor, ...]) -> np.ndarray:
    model = trainer.model.eval()
    with torch.no_grad():
        return model(*inputs).numpy()


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_every_format_exports_the_trained_model(tmp_path: Path) -> None:
    path, trainer = trained(tmp_path, "lenet-digits", 40)
    inputs = example_inputs(trainer.compiled, batch=5)
    want = expected(trainer, inputs)
    fresh = Trainer(load(path), device="cpu", base_dir=tmp_path)
    assert not np.allclose(expected(fresh, inputs), want, atol=1e-3)  # training changed what the model computes

    code, out, err = run("export", str(path), "--format", "python", "-o", str(tmp_path / "lenet.py"))
    assert code == 0 and err == "", err
    assert f"exported with the trained weights in {tmp_path / 'lenet-digits.weights.safetensors'} (step 40)" in out
    torch.save(inputs, tmp_path / "inputs.pt")
    loading = [line.strip() for line in out.split("load it with:\n")[1].splitlines()[:3]]
    script = (
        "import sys, torch\n"
        + "".join(f"{line}\n" for line in loading)
        + "assert not any(name.startswith('playground') for name in sys.modules)\n"
        "with torch.no_grad():\n"
        "    print(model(*torch.load('inputs.pt', weights_only=True)).flatten().tolist())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert np.allclose(json.loads(result.stdout), want.flatten(), atol=1e-5)
    assert 'load_file("lenet.safetensors")' in (tmp_path / "lenet.py").read_text()  # the docstring says how

    code, _, err = run("export", str(path), "--format", "torchscript", "-o", str(tmp_path / "lenet.pt"))
    assert code == 0 and err == "", err
    scripted = torch.jit.load(str(tmp_path / "lenet.pt"))
    assert np.allclose(scripted(*inputs).detach().numpy(), want, atol=1e-5)

    onnxruntime = pytest.importorskip("onnxruntime")
    code, _, err = run("export", str(path), "--format", "onnx", "-o", str(tmp_path / "lenet.onnx"))
    assert code == 0 and err == "", err
    session = onnxruntime.InferenceSession(str(tmp_path / "lenet.onnx"))
    (got,) = session.run(None, {"input_1": inputs[0].numpy()})
    assert np.allclose(got, want, atol=1e-5)
    assert sorted(p.name for p in tmp_path.glob("lenet.onnx*")) == ["lenet.onnx"]  # the weights inside


def test_two_exports_agree_and_untrained_is_the_runs_start(tmp_path: Path) -> None:
    path, _ = trained(tmp_path, "mlp-spiral", 20)
    for name in ("a", "b"):
        assert run("export", str(path), "-o", str(tmp_path / f"{name}.py"))[0] == 0
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    code, out, _ = run("export", str(path), "--untrained", "-o", str(tmp_path / "fresh.py"))
    assert code == 0 and "fresh, untrained weights" in out and not (tmp_path / "fresh.safetensors").exists()
    start = Trainer(load(path), device="cpu", base_dir=tmp_path).model.state_dict()
    script = "import torch, fresh\ntorch.manual_seed(0)\nprint(fresh.Model().state_dict()['linear_1.weight'].tolist())"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert torch.allclose(torch.tensor(json.loads(result.stdout)), start["linear_1.weight"])


def test_other_weights_and_weights_that_no_longer_fit(tmp_path: Path) -> None:
    path, _ = trained(tmp_path, "mlp-spiral", 10)
    other = tmp_path / "other.weights.safetensors"
    shutil.move(tmp_path / "mlp-spiral.weights.safetensors", other)
    code, out, _ = run("export", str(path), "-o", str(tmp_path / "m.py"))
    assert code == 0 and "no trained weights beside mlp-spiral.json" in out
    code, out, _ = run("export", str(path), "--weights", str(other), "-o", str(tmp_path / "m.py"), "--force")
    assert code == 0 and f"the trained weights in {other} (step 10)" in out
    code, _, err = run("export", str(path), "--weights", str(tmp_path / "missing.safetensors"), "-o", "x.py")
    assert code == 2 and "missing.safetensors: no such weights file" in err

    doc = json.loads(path.read_text())
    linear = next(b for b in doc["graph"]["blocks"] if b["id"] == "linear_2")
    linear["params"]["out_features"] = 5
    for block in doc["graph"]["blocks"]:
        if block["id"] == "linear_3":
            block["params"]["in_features"] = 5
    path.write_text(json.dumps(doc))
    code, _, err = run("export", str(path), "--weights", str(other), "-o", str(tmp_path / "m2.py"))
    assert code == 1
    assert "these weights no longer fit the network, edited since: linear_2 (bias is 8 there, 5 here)" in err
    assert "linear_3 (weight is 1x8 there, 1x5 here)" in err and "--untrained" in err


def test_onnx_keeps_a_token_models_sequence_length_free(tmp_path: Path) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    path, trainer = trained(tmp_path, "transformer-reverse", 5)
    target = tmp_path / "reverse.onnx"
    result = subprocess.run(
        [sys.executable, "-m", "playground", "export", str(path), "--format", "onnx", "-o", str(target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr  # nothing of torch's reaches the console
    session = onnxruntime.InferenceSession(str(target))
    length = trainer.compiled.inputs[0].shape[1]
    for size in (length, length // 2):
        tokens = torch.randint(0, 10, (3, size))
        (got,) = session.run(None, {"input_1": tokens.numpy()})
        assert np.allclose(got, expected(trainer, (tokens,)), atol=1e-4)
