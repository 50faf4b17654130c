"""My blocks on disk: a saved group comes back as it was (inside, positions, repeat), read as strictly as a
project file; a damaged entry is listed with its problem and left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.core.graph import Block
from playground.core.groups import GroupBlocks
from playground.core.library import entries, entry_path, entry_text, read_entry, save_entry
from playground.core.project import FORMAT_VERSION
from playground.core.reader import ProjectError
from tests.core.test_groups import residual


def saved_group() -> Block:
    graph = residual()
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(graph)
    group = graph.blocks["block"]
    group.params["repeat"] = 3
    group.graph.blocks["relu_1"].x, group.graph.blocks["relu_1"].y = 412.0, -36.5
    return group


def test_a_saved_group_comes_back_with_its_inside_positions_and_repeat_under_its_name(tmp_path: Path) -> None:
    group = saved_group()
    path = save_entry(tmp_path / "blocks", group, "residual")
    assert path == tmp_path / "blocks" / "residual.json"
    (entry,) = entries(tmp_path / "blocks")
    assert entry.name == "residual" and entry.problem == "" and entry.path == path
    back = entry.block
    assert back.id == "residual" and back.type == "group" and back.params == {"repeat": 3}
    assert back.graph == group.graph  # blocks, parameters and wires
    assert (back.graph.blocks["relu_1"].x, back.graph.blocks["relu_1"].y) == (412.0, -36.5)
    assert json.loads(path.read_text())["format_version"] == FORMAT_VERSION


def test_a_file_renamed_by_hand_names_its_group_after_the_file(tmp_path: Path) -> None:
    save_entry(tmp_path, saved_group(), "residual")
    (tmp_path / "residual.json").rename(tmp_path / "skip_block.json")
    assert [(e.name, e.block.id) for e in entries(tmp_path)] == [("skip_block", "skip_block")]


def test_a_name_that_cannot_be_a_block_id_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    for name in ("My block", "2fast", "class", "../up"):
        with pytest.raises(ValueError, match="is not a valid block id"):
            entry_path(tmp_path, name)
    assert not list(tmp_path.iterdir())


def document(**changes) -> str:
    data = json.loads(entry_text(saved_group(), "residual"))
    if "graph" in changes:
        data["layout"] = {"positions": {}}
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"format": "playground-block",', "entry.json: line 1, column 31: is not valid JSON"),
        (document(format="playground-project"), 'format: is not a block of My blocks (expected "format"'),
        (document(format_version=FORMAT_VERSION + 1), "made by a newer Playground"),
        (document(extra=1), "entry.json: extra: is not a field of a My blocks entry"),
        (document(graph={"blocks": [], "links": []}), "graph.blocks: must hold one group, and nothing else"),
        (
            document(graph={"blocks": [{"id": "relu_1", "type": "relu", "params": {}}], "links": []}),
            "graph.blocks: must hold one group",
        ),
    ],
)
def test_a_damaged_entry_is_listed_with_its_problem_and_kept(tmp_path: Path, text: str, said: str) -> None:
    (tmp_path / "entry.json").write_text(text)
    save_entry(tmp_path, saved_group(), "good")
    damaged, good = entries(tmp_path)
    assert damaged.block is None and said in damaged.problem
    assert good.block is not None
    assert (tmp_path / "entry.json").read_text() == text
    with pytest.raises(ProjectError):
        read_entry(text, "entry.json")
