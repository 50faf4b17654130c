"""``playground export --format script``: a folder whose ``python train.py`` needs only torch, numpy and
safetensors and reproduces ``playground train``'s first losses on the CPU, for every task it covers;
under torchrun it trains with DistributedDataParallel and rank 0 alone speaks and writes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors import safe_open
from safetensors.torch import load_file

from tests.cli.test_cli import run
from tests.core.test_project import PRESETS
from tests.image_folders import digit_folder

STEPS = 20
LM_STEPS = 5  # a language model's steps and evaluations cost the most: its first five show the same
CHILD_ENV_NO_PLAYGROUND = (
    "import runpy, sys\n"
    "sys.argv = ['train.py', *sys.argv[1:]]\n"
    "runpy.run_path('train.py', run_name='__main__')\n"
    "assert not any(name.split('.')[0] in ('playground', 'pandas', 'networkx') for name in sys.modules), 'imports'\n"
)


def playground_losses(path: Path, steps: int = STEPS) -> list[float]:
    code, out, err = run("train", str(path), "--steps", str(steps), "--eval-every", "1", "--json", "--device", "cpu")
    assert code == 0, err
    return [r["loss"] for r in map(json.loads, out.splitlines()) if r["event"] == "progress"]


def script_records(folder: Path, *extra: str, steps: int = STEPS) -> list[dict]:
    args = ["--steps", str(steps), "--log-every", "1", "--json", "--device", "cpu", *extra]
    result = subprocess.run(
        [sys.executable, "-c", CHILD_ENV_NO_PLAYGROUND, *args], cwd=folder, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    "preset",
    [
        "mlp-spiral",  # a generated 2-D set, written as code; binary cross-entropy
        "lenet-digits",  # bundled images in data.npz; cross-entropy
        "uncertainty-regression",  # regression with the Gaussian NLL loss, dropout
        "autoencoder-digits",  # the autoencoder
        "vae-digits",  # a recipe: the VAE's ELBO, with its drawn codes
        "char-gpt",  # the language model
    ],
)
def test_train_py_reproduces_playground_trains_first_losses(tmp_path: Path, preset: str) -> None:
    path = tmp_path / f"{preset}.json"
    shutil.copy(PRESETS / f"{preset}.json", path)
    _reproduces(tmp_path, path, LM_STEPS if preset == "char-gpt" else STEPS)


def test_train_py_reads_the_image_folder_as_playground_does_augmentation_included(tmp_path: Path) -> None:
    doc = json.loads((PRESETS / "cnn-images.json").read_text())
    folder = digit_folder(tmp_path / "class photos", classes=(0, 1, 2, 3), per_class=10)
    doc["dataset"]["params"].update(folder="class photos", augment="flip_shift", fit="pad", val_fraction=0.3)
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(doc))
    _reproduces(tmp_path, path)
    script = tmp_path / "script"
    assert not (script / "data.npz").exists() and (script / "images.py").is_file()
    assert f"FOLDER = Path({str(folder)!r})" in (script / "train.py").read_text()
    assert json.loads((script / "vocab.json").read_text()) == ["0", "1", "2", "3"]
    assert f"reads the image folder `{folder}`" in (script / "README.md").read_text()
    (script / "train.py").unlink()
    code, _, err = run("export", str(path), "--format", "script", "-o", str(script))
    assert code == 2 and f"{script / 'images.py'}" in err  # a reader already there is replaced only with --force


def test_a_tied_language_model_trains_alike_and_keeps_both_names(tmp_path: Path) -> None:
    doc = json.loads((PRESETS / "char-gpt.json").read_text())
    next(b for b in doc["graph"]["blocks"] if b["id"] == "linear_1")["params"]["bias"] = False
    doc["graph"]["ties"] = {"linear_1.weight": "embedding_1.weight"}
    path = tmp_path / "tied.json"
    path.write_text(json.dumps(doc))
    _reproduces(tmp_path, path, LM_STEPS)
    assert "self.linear_1.weight = self.embedding_1.weight" in (tmp_path / "script" / "model.py").read_text()
    trained = load_file(str(tmp_path / "script" / "trained.safetensors"))
    assert (trained["linear_1.weight"] == trained["embedding_1.weight"]).all()


def _reproduces(tmp_path: Path, path: Path, steps: int = STEPS) -> None:
    """train.py exported from ``path`` gives ``playground train``'s losses, and writes its weights."""
    folder = tmp_path / "script"
    code, _, err = run("export", str(path), "--format", "script", "-o", str(folder))
    assert code == 0, err
    expected = playground_losses(path, steps)
    records = script_records(folder, steps=steps)
    assert len(expected) == len(records) == steps
    assert [r["loss"] for r in records] == pytest.approx(expected, rel=1e-6, abs=1e-7)
    assert records[-1]["step"] == steps and (folder / "trained.safetensors").is_file()
    readme = (folder / "README.md").read_text()
    assert "python train.py" in readme and "torchrun --nproc-per-node 2 train.py" in readme


def test_a_trained_export_carries_its_weights_and_trains_on_from_them(tmp_path: Path) -> None:
    path = tmp_path / "spiral.json"
    shutil.copy(PRESETS / "mlp-spiral.json", path)
    assert run("train", str(path), "--steps", "500", "--save-weights", "--device", "cpu")[0] == 0
    folder = tmp_path / "script"
    code, out, _ = run("export", str(path), "--format", "script", "-o", str(folder))
    assert code == 0 and "(step 500)" in out
    exported = load_file(str(folder / "model.safetensors"))
    saved = load_file(str(tmp_path / "spiral.weights.safetensors"))
    assert all((exported[k] == saved[k]).all() for k in saved)
    resumed = script_records(folder, steps=1)  # the first step's evaluation is the one compared
    fresh = script_records(folder, "--fresh", steps=1)
    assert resumed[0]["metrics"]["val_loss"] < fresh[0]["metrics"]["val_loss"] - 0.05  # trained weights to start


def test_torchrun_trains_the_script_with_ddp_and_rank_0_alone_reports(tmp_path: Path) -> None:
    path = tmp_path / "lenet.json"
    shutil.copy(PRESETS / "lenet-digits.json", path)
    folder = tmp_path / "script"
    assert run("export", str(path), "--format", "script", "-o", str(folder))[0] == 0
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "train.py"]
    result = subprocess.run(
        [*command, "--steps", "30", "--log-every", "10", "--json"], cwd=folder, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["step"] for r in records] == [10, 20, 30]  # one rank prints
    assert records[-1]["loss"] < records[0]["loss"] and records[-1]["metrics"]["val_accuracy"] > 0.3
    with safe_open(str(folder / "trained.safetensors"), framework="pt") as handle:  # rank 0's checkpoint
        assert handle.metadata()["step"] == "30"


def test_a_task_without_a_script_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = run("export", "gan-2d", "--format", "script", "-o", str(tmp_path / "gan"))
    assert code == 1 and "not yet 'gan'" in err and not (tmp_path / "gan").exists()
