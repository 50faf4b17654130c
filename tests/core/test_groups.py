"""Groups in the model: grouping and ungrouping, edits inside, shapes, the file format."""

import json

import pytest

from playground.core.commands import RemoveBlocks, RenameBlock
from playground.core.graph import Block, GraphError, Link, port_names
from playground.core.groups import GroupBlocks, InGroup, Ungroup, Unroll
from playground.core.project import FORMAT_VERSION, loads
from playground.core.project_write import dumps, to_document
from playground.core.shapes import analyse
from tests.core.test_project import error_of, spiral_doc
from tests.helpers import chain, mlp, project


def residual():
    """x -> linear_1 -> relu_1 -> add_1 (with x) -> output."""
    graph = chain(
        ("input_1", "input", {"shape": [4]}),
        ("linear_1", "linear", {"in_features": "auto", "out_features": 4}),
        ("relu_1", "relu", {}),
        ("add_1", "add", {}),
        ("output_1", "output", {}),
    )
    graph.connect(Link("input_1", 0, "add_1", 1))
    return graph


def test_grouping_makes_one_port_per_tensor_in_and_out_and_keeps_the_shapes() -> None:
    graph = residual()
    before = analyse(graph)
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(graph)
    assert set(graph.blocks) == {"input_1", "block", "output_1"}
    assert port_names(graph.blocks["block"]) == (["x"], ["y"])  # input_1 feeds two blocks: one port
    inner = graph.blocks["block"].graph
    assert inner.nested and {(k.src, k.dst) for k in inner.links} >= {("x", "linear_1"), ("x", "add_1")}
    after = analyse(graph)
    assert after.ok and after.shapes["block"] == before.shapes["add_1"]
    assert after.param_counts["block"] == before.total_params == 20
    assert after.inner["block"].shapes["relu_1"] == before.shapes["relu_1"]


def test_grouping_refuses_a_selection_that_skips_a_block_between_and_changes_nothing() -> None:
    graph = mlp()
    start = graph.copy()
    with pytest.raises(GraphError, match="include 'tanh_1' too"):
        GroupBlocks(["linear_1", "linear_2"], "g").do(graph)
    with pytest.raises(GraphError, match="'input_1' is an Input"):
        GroupBlocks(["input_1", "linear_1"], "g").do(graph)
    assert graph == start


def test_ungroup_puts_the_blocks_back_wired_as_before() -> None:
    graph = residual()
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(graph)
    ungroup = Ungroup("block")
    ungroup.do(graph)
    assert set(graph.blocks) == set(residual().blocks)
    assert sorted(graph.links) == sorted(residual().links)
    ungroup.undo(graph)
    assert set(graph.blocks) == {"input_1", "block", "output_1"}


def test_ungroup_renames_what_clashes_and_a_number_id_outside_a_group() -> None:
    graph = mlp()
    GroupBlocks(["linear_1", "tanh_1"], "g").do(graph)
    InGroup(["g"], RenameBlock("linear_1", "0")).do(graph)
    graph.add_block(Block("tanh_1", "tanh"))
    ungroup = Ungroup("g")
    ungroup.do(graph)
    assert sorted(ungroup.new_ids) == ["linear_1", "tanh_2"]
    assert Link("input_1", 0, "linear_1", 0) in graph.links and Link("tanh_2", 0, "linear_2", 0) in graph.links


def test_a_repeated_group_unrolls_into_its_copies_in_a_row_and_back() -> None:
    graph = residual()
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(graph)
    graph.set_param("block", "repeat", 3)
    graph.add_block(Block("block_2", "tanh"))  # a name the copies would take
    before, shapes = graph.copy(), analyse(graph)
    unroll = Unroll("block")
    unroll.do(graph)
    assert unroll.new_ids == ["block_1", "block_2_", "block_3"]
    assert [graph.blocks[b].params for b in unroll.new_ids] == [{}, {}, {}]  # each once
    assert {
        Link("input_1", 0, "block_1", 0),
        Link("block_1", 0, "block_2_", 0),
        Link("block_3", 0, "output_1", 0),
    } <= set(graph.links)
    after = analyse(graph)
    assert after.total_params == shapes.total_params == 60 and after.shapes["block_3"] == shapes.shapes["block"]
    assert graph.blocks["block_2_"].x > graph.blocks["block_1"].x  # side by side
    unroll.undo(graph)
    assert graph == before
    with pytest.raises(GraphError, match="not a repeated group"):
        Unroll("block_2").do(graph)


def test_a_port_removed_inside_takes_its_wire_outside_along_until_undo() -> None:
    graph = residual()
    GroupBlocks(["linear_1", "relu_1"], "block").do(graph)
    assert Link("block", 0, "add_1", 0) in graph.links
    inside = InGroup(["block"], RemoveBlocks(["y"]))
    inside.do(graph)
    assert not graph.links_of(["block"]) or all(k.dst == "block" for k in graph.links_of(["block"]))
    inside.undo(graph)
    assert Link("block", 0, "add_1", 0) in graph.links


def test_a_port_renamed_or_moved_keeps_its_wire() -> None:
    graph = residual()
    GroupBlocks(["linear_1", "relu_1"], "block").do(graph)
    InGroup(["block"], RenameBlock("x", "features")).do(graph)
    assert Link("input_1", 0, "block", 0) in graph.links
    inner = graph.blocks["block"].graph
    inner.add_block(Block("extra", "group_input"))
    InGroup(["block"], RemoveBlocks(["features"])).do(graph)
    assert not [k for k in graph.links if k.dst == "block"]  # its port went: so did the wire


def test_repeat_needs_an_output_that_fits_the_input_and_multiplies_the_parameters() -> None:
    graph = residual()
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(graph)
    graph.set_param("block", "repeat", 3)
    assert analyse(graph).param_counts["block"] == 60
    graph.blocks["block"].graph.set_param("linear_1", "out_features", 5)
    problems = analyse(graph).problems
    assert problems and problems[0].block == "block"
    graph.blocks["block"].graph.set_param("linear_1", "out_features", 4)
    graph.blocks["block"].graph.disconnect(Link("x", 0, "add_1", 1))
    graph.set_param("block", "repeat", 1)
    message = analyse(graph).problems[0].message
    assert message.startswith("Group 'block': Add 'add_1' has nothing connected to its input 'in_2'")


def test_the_boundaries_of_a_group_are_checked_where_they_are() -> None:
    graph = mlp()
    graph.add_block(Block("port", "group_input"))
    assert any("belongs inside a group" in p.message for p in analyse(graph).problems)
    GroupBlocks(["linear_1", "tanh_1"], "g").do(graph)
    graph.blocks["g"].graph.add_block(Block("data", "input", {"shape": [2]}))
    assert any("cannot be inside a group: use a Group Input" in p.message for p in analyse(graph).problems)


def _grouped_doc() -> dict:
    p = project(residual(), "spiral")
    GroupBlocks(["linear_1", "relu_1", "add_1"], "block").do(p.graph)
    return to_document(p)


def test_a_group_round_trips_through_the_file_with_positions_by_path() -> None:
    doc = _grouped_doc()
    assert doc["format_version"] == FORMAT_VERSION
    assert "block.linear_1" in doc["layout"]["positions"]
    text = json.dumps(doc)
    again = loads(text)
    assert again.graph == loads(text).graph and dumps(again) == dumps(loads(dumps(again)))
    assert again.graph.blocks["block"].graph.blocks["linear_1"].x == doc["layout"]["positions"]["block.linear_1"][0]


def test_a_version_5_file_migrates_to_6_and_keeps_its_meaning() -> None:
    doc = spiral_doc()
    doc["format_version"] = 5
    migrated = loads(json.dumps(doc))
    assert to_document(migrated)["format_version"] == FORMAT_VERSION  # through 6, to the current version
    assert migrated.graph == loads(json.dumps(spiral_doc())).graph


def test_bad_groups_in_a_file_are_named_by_place() -> None:
    doc = _grouped_doc()
    del doc["graph"]["blocks"][2]["graph"]
    assert "graph.blocks[2]: is a group without the field 'graph'" in str(error_of(doc))
    doc = _grouped_doc()
    doc["graph"]["blocks"][0]["graph"] = {"blocks": [], "links": []}
    assert "graph.blocks[0].graph: only a group holds a graph" in str(error_of(doc))
    doc = _grouped_doc()
    doc["graph"]["blocks"][2]["graph"]["blocks"][1]["params"]["out_features"] = -1
    assert "graph.blocks[2].graph.blocks[1].params" in str(error_of(doc))
    doc = _grouped_doc()
    doc["graph"]["blocks"][0]["id"] = "0"
    assert "graph.blocks[0].id: '0' is not a valid block id" in str(error_of(doc))
    doc = _grouped_doc()
    doc["layout"]["positions"]["block.nowhere"] = [0, 0]
    assert "unknown field 'block.nowhere'" in str(error_of(doc))


def test_groups_nested_too_deeply_are_refused() -> None:
    graph = {"blocks": [], "links": []}
    for _ in range(20):
        graph = {"blocks": [{"id": "g", "type": "group", "graph": graph}], "links": []}
    doc = spiral_doc()
    doc["graph"] = graph
    doc.pop("layout", None)
    assert "nested too deeply" in str(error_of(doc))
