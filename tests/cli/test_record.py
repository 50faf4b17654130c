"""``playground train --record DIR``: the run's keyframes as safetensors files and a JSON index, the last
one the trained network; a folder that holds anything is refused before training (docs/recording.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import load_file

from tests.cli.test_cli import run
from tests.core.test_project import PRESETS


def spiral(tmp_path: Path) -> Path:
    path = tmp_path / "spiral.json"
    shutil.copy(PRESETS / "mlp-spiral.json", path)
    return path


def test_a_recorded_run_keeps_its_start_its_early_steps_and_each_evaluation_the_last_its_trained_weights(
    tmp_path: Path,
) -> None:
    path, folder = spiral(tmp_path), tmp_path / "runs" / "r"
    code, out, err = run(
        "train", str(path), "--steps", "600", "--record", str(folder), "--save-weights", "--device", "cpu"
    )
    assert code == 0, err
    index = json.loads((folder / "run.json").read_text())
    steps = [k["step"] for k in index["keyframes"]]
    assert steps == sorted({0, 1, 2, 5, 10, 20, 50, 100, 200, 500, *range(30, 601, 30)}), steps
    assert f"recorded {len(steps)} keyframes in {folder}" in out
    assert index["format"] == "playground-run" and index["project"]["graph"]["blocks"][0]["type"] == "input"
    assert [h["step"] for h in index["history"]] == list(range(30, 601, 30))
    assert sorted(p.name for p in folder.iterdir()) == sorted([*(k["file"] for k in index["keyframes"]), "run.json"])
    last = folder / index["keyframes"][-1]["file"]
    saved = load_file(str(tmp_path / "spiral.weights.safetensors"))
    kept = load_file(str(last))
    assert saved.keys() == {k.removeprefix("model.") for k in kept if k.startswith("model.")}
    assert all((kept[f"model.{k}"] == v).all() for k, v in saved.items())
    assert any(k.startswith("grad.") for k in kept) and any(k.startswith("optimizer.") for k in kept)
    with safe_open(str(last), framework="pt") as handle:
        assert json.loads(handle.metadata()["trainer"])["step"] == 600
    first = load_file(str(folder / index["keyframes"][0]["file"]))
    assert not all((first[f"model.{k}"] == v).all() for k, v in saved.items()), "the untrained network"


def test_a_folder_that_holds_anything_is_refused_before_training(tmp_path: Path) -> None:
    path, folder = spiral(tmp_path), tmp_path / "r"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    code, _, err = run("train", str(path), "--steps", "5", "--record", str(folder), "--save-weights", "--device", "cpu")
    assert code == 2 and f"{folder}: is not an empty folder" in err and "nothing was trained" in err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"] and not (
        tmp_path / "spiral.weights.safetensors"
    ).exists()
    doc = json.loads(path.read_text())
    doc["training"]["record_mb"] = 0
    path.write_text(json.dumps(doc))
    code, _, err = run("train", str(path), "--steps", "5", "--record", str(tmp_path / "new"), "--device", "cpu")
    assert code == 1 and f"{path}: its training.record_mb is 0" in err and not (tmp_path / "new").exists()
