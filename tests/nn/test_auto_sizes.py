"""A network whose input sizes are "auto" compiles, summarises and exports exactly like its twin with the
numbers written out."""

import json
from pathlib import Path

import torch

from playground.core.project import loads
from playground.nn.compile import compile_graph
from playground.nn.export import export_python
from tests.cli.test_cli import run
from tests.core.test_project import spiral_doc


def auto_spiral() -> dict:
    doc = spiral_doc()
    for block in doc["graph"]["blocks"]:
        if block["type"] == "linear":
            block["params"]["in_features"] = "auto"
    return doc


def test_auto_and_numbers_compile_to_the_same_module() -> None:
    auto = compile_graph(loads(json.dumps(auto_spiral())).graph).module
    fixed = compile_graph(loads(json.dumps(spiral_doc())).graph).module
    assert {k: v.shape for k, v in auto.state_dict().items()} == {k: v.shape for k, v in fixed.state_dict().items()}
    auto.load_state_dict(fixed.state_dict())
    x = torch.randn(5, 2)
    assert torch.allclose(auto(x), fixed(x))


def test_summary_and_export_use_the_inferred_sizes(tmp_path: Path) -> None:
    path = tmp_path / "auto.json"
    path.write_text(json.dumps(auto_spiral()))
    code, out, _ = run("summary", str(path))
    _, fixed, _ = run("summary", "mlp-spiral")
    assert code == 0 and out.splitlines()[-1] == fixed.splitlines()[-1]  # the same total
    export_python(compile_graph(loads(path.read_text()).graph), tmp_path / "model.py", origin="project.json")
    source = (tmp_path / "model.py").read_text()
    assert "auto" not in source and "Linear(2, 8" in source.replace("in_features=", "").replace("out_features=", "")
