"""``torchrun -m playground train``: two processes on the CPU (gloo) train the weights that one process
trains with a batch twice as large, and rank 0 alone speaks and writes."""

import json
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from playground.core.project import load
from playground.nn.trainer import Trainer
from tests.core.test_project import PRESETS

STEPS = 30


def copy_with_batch(tmp_path: Path, name: str, batch: int) -> Path:
    doc = json.loads((PRESETS / "mlp-spiral.json").read_text())
    doc["training"]["batch_size"] = batch
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def train(command: list[str], path: Path) -> list[dict]:
    args = [*command, "-m", "playground", "train", str(path), "--steps", str(STEPS), "--device", "cpu"]
    result = subprocess.run(
        [*args, "--json", "--eval-every", "10", "--save-weights"], capture_output=True, text=True, cwd=path.parent
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_two_processes_train_what_one_trains_with_the_doubled_batch(tmp_path: Path) -> None:
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    two = train(torchrun, copy_with_batch(tmp_path, "two", 16))
    one = train([sys.executable], copy_with_batch(tmp_path, "one", 32))
    assert [r["event"] for r in two] == ["progress"] * 3 + ["done"]  # one rank reports, not two
    assert two[-1]["step"] == one[-1]["step"] == STEPS and two[-1]["epoch"] == one[-1]["epoch"]
    for mine, theirs in zip(two[:-1], one[:-1], strict=True):
        assert abs(mine["loss"] - theirs["loss"]) < 1e-5  # the training loss is the mean over the ranks
    assert abs(two[-1]["metrics"]["val_loss"] - one[-1]["metrics"]["val_loss"]) < 1e-5
    weights = load_file(str(tmp_path / "two.weights.safetensors"))
    reference = load_file(str(tmp_path / "one.weights.safetensors"))
    start = Trainer(load(tmp_path / "one.json"), device="cpu").model.state_dict()
    assert weights.keys() == reference.keys() == start.keys()
    for key in weights:
        assert torch.allclose(weights[key], reference[key], atol=1e-5), key
        assert not torch.allclose(weights[key], start[key], atol=1e-3), key  # both trained
    assert not list(tmp_path.glob("*.rank*")) and sorted(p.name for p in tmp_path.glob("two.*")) == [
        "two.json",
        "two.trainer.safetensors",
        "two.weights.safetensors",
    ]
