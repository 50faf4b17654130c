"""The command line as a student meets it: preset ids for files, help that mentions the window,
datasets with their parameters, runs without an end, and presets that are never written to."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from playground.host import PRESETS
from tests.cli.test_cli import run
from tests.helpers import HEARS_CTRL_C

ROOT = Path(__file__).resolve().parents[2]


def presets_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in PRESETS.rglob("*") if p.is_file()):  # the assignments among them
        digest.update(str(path.relative_to(PRESETS)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_help_says_how_to_open_the_window() -> None:
    result = subprocess.run([sys.executable, "-m", "playground", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "'playground' opens the window with the mlp-spiral preset" in text
    assert "'playground FILE' opens the window with that project" in text
    assert "playground train mlp-spiral" in text


def test_preset_ids_work_wherever_a_file_is_expected(tmp_path: Path) -> None:
    code, out, err = run("check", "mlp-spiral", "lenet-digits")
    assert code == 0 and out.splitlines() == ["mlp-spiral: ok", "lenet-digits: ok"], err
    code, out, _ = run("summary", "mlp-spiral")
    assert code == 0 and "total parameters" in out
    code, out, err = run("train", "mlp-spiral", "--steps", "5", "--json", "--device", "cpu")
    assert code == 0, err
    assert json.loads(out.splitlines()[-1])["step"] == 5
    code, _, err = run("export", "mlp-spiral", "-o", str(tmp_path / "model.py"))
    assert code == 0 and (tmp_path / "model.py").exists(), err
    code, _, err = run("check", "no-such-preset")
    assert code == 2 and "no-such-preset: cannot be read" in err
    code, _, err = run("train", "lenet-digit")
    assert code == 2 and "did you mean 'lenet-digits'" in err


def test_weights_are_never_saved_into_the_presets_folder() -> None:
    before = presets_digest()
    code, _, err = run("train", "mlp-spiral", "--steps", "3", "--save-weights", "--device", "cpu")
    assert code == 1 and "is a lecture preset" in err and "copy it" in err
    assert presets_digest() == before


def test_datasets_lists_each_dataset_with_its_parameters() -> None:
    code, out, _ = run("datasets")
    assert code == 0
    lines = out.splitlines()
    spiral = lines.index(next(line for line in lines if line.startswith("spiral ")))
    assert lines[spiral + 1].startswith("    ") and "noise" in out and "`" not in out


def test_epochs_zero_trains_until_interrupted(tmp_path: Path) -> None:
    doc = json.loads((PRESETS / "mlp-spiral.json").read_text())
    doc["training"]["epochs"] = 0
    endless = tmp_path / "endless.json"
    endless.write_text(json.dumps(doc))
    process = subprocess.Popen(
        [sys.executable, "-c", HEARS_CTRL_C, "train", str(endless), "--json", "--device", "cpu", "--eval-every", "50"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # a Ctrl+C at the terminal stops pytest, which then ends the child (finally)
    )
    try:
        first = json.loads(process.stdout.readline())  # training runs on past any end
        assert first["event"] == "progress" and first["step"] == 50
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    last = json.loads(out.splitlines()[-1])
    assert last["event"] == "done" and last["step"] >= 50 and "val_accuracy" in last["metrics"]
