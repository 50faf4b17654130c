"""An installed (not editable) Playground carries its lecture presets and bundled datasets."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEEP = ("playground", "presets", "assets", "pyproject.toml", "setup.py", "README.md")


def test_an_installed_playground_finds_its_presets_and_datasets(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in KEEP:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, source / name)
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            site,
            source,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.rmtree(source)  # nothing may be read from the source any more
    check = (
        "import json\nfrom playground import host\n"
        "from playground.core.project_types import DatasetRef\n"
        "from playground.nn.data import load_data\n"
        "digits = load_data(DatasetRef('digits', {}))\n"
        "text = load_data(DatasetRef('text', {}))\n"
        "pictures = load_data(DatasetRef('images', {'folder': 'shapes-folder'}))\n"
        "print(json.dumps({'presets': sorted(p.stem for p in host.PRESETS.glob('*.json')),"
        " 'assignments': sorted(p.stem for p in host.PRESETS.glob('assignments/*.json')),"
        " 'spiral': str(host.project_file('spiral-200')),"
        " 'where': str(host.PRESETS), 'digits': len(digits.train['x']), 'text': len(text.train['tokens']),"
        " 'pictures': len(pictures.train['x']) + len(pictures.val['x'])}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "PLAYGROUND_DATA_DIR": str(tmp_path / "app-data")}
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["presets"] == sorted(p.stem for p in (ROOT / "presets").glob("*.json"))
    assert found["where"].startswith(str(site)) and found["digits"] > 1000 and found["text"] > 10_000
    assert found["pictures"] == 600  # the image folder's subfolders travel too
    assert found["assignments"] == ["digits-cnn-10k", "spiral-200"]
    assert found["spiral"].startswith(str(site)) and found["spiral"].endswith("assignments/spiral-200.json")
