import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playground import cli
from playground.host import VERSION
from tests.core.test_project import PRESETS
from tests.nn.test_compile import LeNet

LENET = str(PRESETS / "lenet-digits.json")
SPIRAL = str(PRESETS / "mlp-spiral.json")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_check_accepts_the_presets() -> None:
    code, out, err = run("check", LENET, SPIRAL)
    assert code == 0 and err == ""
    assert out.splitlines() == [f"{LENET}: ok", f"{SPIRAL}: ok"]


def test_check_lists_one_line_per_problem(tmp_path: Path) -> None:
    doc = json.loads(Path(SPIRAL).read_text())
    doc["graph"]["blocks"][3]["params"]["in_features"] = 5
    doc["graph"]["links"] = [link for link in doc["graph"]["links"] if link["dst"] != "tanh_2"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run("check", str(bad))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{bad}: Linear 'linear_2' expects 5 input features but receives 8: set in_features to 8",
        f"{bad}: Tanh 'tanh_2' has nothing connected to its input 'in': drag a wire into it",
    ]


def test_check_exit_codes_for_malformed_and_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = run("check", str(broken))
    assert code == 1 and "is not valid JSON" in err and "line 1, column 2" in err
    code, _, err = run("check", str(broken), str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json: cannot be read" in err
    code, _, err = run("check", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_summary_matches_the_hand_written_lenet() -> None:
    code, out, _ = run("summary", LENET)
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:-1]}
    assert rows["conv2d_1"][2:] == ["(N,", "6,", "8,", "8)", "60"]
    assert rows["flatten_1"][2:] == ["(N,", "64)", "0"]
    total = sum(p.numel() for p in LeNet().parameters())
    assert out.splitlines()[-1] == f"  total parameters: {total:,}"


def test_summary_says_what_is_tied_and_counts_it_once(tmp_path: Path) -> None:
    doc = json.loads((PRESETS / "char-gpt.json").read_text())
    next(b for b in doc["graph"]["blocks"] if b["id"] == "linear_1")["params"]["bias"] = False
    doc["graph"]["ties"] = {"linear_1.weight": "embedding_1.weight"}
    (tmp_path / "tied.json").write_text(json.dumps(doc))
    code, out, _ = run("summary", str(tmp_path / "tied.json"))
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines()[3:-2]}
    counted = sum(int(count.replace(",", "")) for count in rows.values())
    assert code == 0 and out.splitlines()[-1] == "  tied: linear_1.weight is embedding_1.weight"
    total = counted - 58 * 64
    assert (
        out.splitlines()[-2]
        == f"  total parameters: {total:,} (tied weights counted once: 3,712 fewer than the blocks' sum)"
    )


def test_export_python_gives_an_importable_module(tmp_path: Path) -> None:
    code, out, _ = run("export", SPIRAL, "--format", "python", "-o", str(tmp_path / "m.py"))
    assert code == 0 and "wrote" in out
    script = "import torch, m\nprint(tuple(m.Model()(torch.randn(4, 2)).shape))"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "(4, 1)"


def test_export_onnx_without_onnx_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    code, _, err = run("export", SPIRAL, "--format", "onnx", "-o", str(tmp_path / "m.onnx"))
    assert code == 1 and "pip install onnx" in err


def test_installed_console_script_and_module_entry_point() -> None:
    exe = shutil.which("playground", path=str(Path(sys.executable).parent))
    assert exe is not None, "the playground console script is not installed"
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"playground {VERSION}"
    result = subprocess.run([sys.executable, "-m", "playground", "check", SPIRAL], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok")


def test_the_block_reference_in_docs_is_up_to_date() -> None:
    code, out, _ = run("blocks", "--markdown")
    assert code == 0
    assert (PRESETS.parent / "docs" / "blocks.md").read_text() == out, (
        "regenerate: playground blocks --markdown > docs/blocks.md"
    )


def test_blocks_lists_every_type_by_category() -> None:
    code, out, _ = run("blocks")
    assert code == 0
    assert out.splitlines()[0] == "Input / Output"
    assert any(line.split()[0] == "transformer_block" for line in out.splitlines() if line.startswith("  "))


def test_the_dataset_reference_in_docs_is_up_to_date() -> None:
    code, out, _ = run("datasets", "--markdown")
    assert code == 0
    assert (PRESETS.parent / "docs" / "datasets.md").read_text() == out, "regenerate: playground datasets --markdown"
    code, out, _ = run("datasets")
    assert code == 0 and any(line.split()[0] == "karate-club" for line in out.splitlines())


def test_check_reads_the_data_and_fits_the_inputs_to_it(tmp_path: Path) -> None:
    doc = json.loads(Path(LENET).read_text())
    for block in doc["graph"]["blocks"]:
        if block["type"] == "input":
            block["params"]["shape"] = [1, 32, 32]
        if block["type"] == "linear":
            block["params"]["in_features"] = "auto"
    wrong = tmp_path / "wrong-input.json"
    wrong.write_text(json.dumps(doc))
    code, out, err = run("check", str(wrong))
    trained_code, _, trained_err = run("train", str(wrong), "--steps", "1")
    assert code == trained_code == 1 and out == ""
    assert err == trained_err  # the same message train gives
    assert "is declared as (N, 1, 32, 32) but dataset 'digits' gives its 'x' field as (N, 1, 8, 8)" in err
