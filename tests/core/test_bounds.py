"""What a project file from anyone may hold: the app never writes a file it would refuse to open, repeats
count as the blocks they build, and pipes or devices in place of files are refused before they are read."""

import json
import os
import threading
from pathlib import Path

import pytest

from playground.core.files import NotAFileError, read_bounded
from playground.core.graph import Block
from playground.core.groups import GroupBlocks
from playground.core.project import MAX_DEPTH, MAX_TEXT, load, loads
from playground.core.project_write import save
from playground.core.reader import ProjectError
from playground.core.shapes import analyse
from tests.core.test_project import error_of, spiral_doc
from tests.helpers import mlp, project


def test_save_refuses_what_load_would_refuse_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    keep = project(mlp(), "spiral")
    save(keep, target)
    before = target.read_bytes()
    too_long = project(mlp(), "spiral")
    too_long.notes = "x" * (MAX_TEXT + 1)
    with pytest.raises(ProjectError, match="notes: is too long"):
        save(too_long, target)
    assert target.read_bytes() == before and load(target).notes == keep.notes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]  # no temporary left behind


def _nested(depth: int, repeat: int = 1) -> dict:
    """``depth`` groups one inside the other around a Linear, each repeated ``repeat`` times."""
    inner = {
        "blocks": [
            {"id": "x", "type": "group_input"},
            {"id": "linear_1", "type": "linear", "params": {"in_features": "auto", "out_features": 2}},
            {"id": "y", "type": "group_output"},
        ],
        "links": [
            {"src": "x", "src_port": 0, "dst": "linear_1", "dst_port": 0},
            {"src": "linear_1", "src_port": 0, "dst": "y", "dst_port": 0},
        ],
    }
    for _ in range(depth - 1):
        inner = {
            "blocks": [
                {"id": "x", "type": "group_input"},
                {"id": "g", "type": "group", "params": {"repeat": repeat}, "graph": inner},
                {"id": "y", "type": "group_output"},
            ],
            "links": [
                {"src": "x", "src_port": 0, "dst": "g", "dst_port": 0},
                {"src": "g", "src_port": 0, "dst": "y", "dst_port": 0},
            ],
        }
    doc = spiral_doc()
    blocks = doc["graph"]["blocks"]
    linear = next(b for b in blocks if b["type"] == "linear" and b["params"].get("in_features") == 8)
    linear.update(type="group", params={"repeat": repeat}, graph=inner)
    doc.pop("layout", None)
    return doc


def test_repeats_count_as_the_blocks_they_build() -> None:
    assert loads(json.dumps(_nested(3, repeat=8)))  # 8 x 8 x 8 copies of a few blocks: within the limit
    error = str(error_of(_nested(3, repeat=64)))  # 262,144 copies in a 3 KB file
    assert "one block too many" in error and "each copy of a repeated group counted" in error


def test_the_nesting_limit_is_what_it_says() -> None:
    """16 groups in groups were refused by a message saying "at most 16 levels"."""
    assert loads(json.dumps(_nested(MAX_DEPTH)))
    assert f"at most {MAX_DEPTH} levels" in str(error_of(_nested(MAX_DEPTH + 1)))


def test_the_nesting_error_is_short() -> None:
    error = str(error_of(_nested(MAX_DEPTH + 3)))
    assert "nested too deeply" in error and len(error) < 160, error
    assert error.count("graph.blocks") == 1


def test_a_group_nested_too_deeply_by_editing_is_refused_by_save(tmp_path: Path) -> None:
    graph = mlp()
    for level in range(MAX_DEPTH + 1):
        GroupBlocks(["linear_1", "tanh_1"] if level == 0 else [f"g{level - 1}"], f"g{level}").do(graph)
    with pytest.raises(ProjectError, match="nested too deeply"):
        save(project(graph, "spiral"), tmp_path / "deep.json")
    assert not (tmp_path / "deep.json").exists()


def test_a_network_larger_than_the_machine_is_a_problem_before_anything_is_built() -> None:
    graph = mlp()
    graph.blocks["linear_1"] = Block("linear_1", "linear", {"in_features": "auto", "out_features": 1 << 20})
    graph.blocks["linear_2"].params["in_features"] = "auto"
    graph.blocks["linear_2"].params["out_features"] = 1 << 20
    problems = [p for p in analyse(graph).problems if p.kind == "size"]
    assert len(problems) == 1 and problems[0].block == "linear_2"
    assert "TiB" in problems[0].message and "this machine's" in problems[0].message


def test_a_fifo_or_a_device_is_refused_before_it_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        outcome: list[BaseException] = []
        reader = threading.Thread(target=_read_into, args=(path, outcome), daemon=True)
        reader.start()
        reader.join(5)
        assert not reader.is_alive(), f"{path.name}: reading it hung"
        assert isinstance(outcome[0], NotAFileError)
        with pytest.raises(OSError, match="not a regular file"):
            load(path)


def _read_into(path: Path, outcome: list[BaseException]) -> None:
    try:
        read_bounded(path, 1000)
    except OSError as exc:
        outcome.append(exc)


def test_my_blocks_refuses_an_entry_it_could_not_read_back(tmp_path: Path) -> None:
    from playground.core.library import save_entry

    graph = mlp()
    for level in range(MAX_DEPTH + 1):
        GroupBlocks(["linear_1", "tanh_1"] if level == 0 else [f"g{level - 1}"], f"g{level}").do(graph)
    with pytest.raises(ProjectError, match="nested too deeply"):
        save_entry(tmp_path / "blocks", graph.blocks[f"g{MAX_DEPTH}"], "deep")
    assert not (tmp_path / "blocks").exists()
