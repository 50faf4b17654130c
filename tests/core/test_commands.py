import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.core.commands import AddBlock, Command, Connect, Disconnect, Move, PasteGroup, RemoveBlocks, SetParam
from playground.core.graph import Block, Graph, GraphError, Link
from playground.core.groups import GroupBlocks, InGroup, Ungroup, Unroll
from tests.helpers import mlp


def roundtrip(graph: Graph, command: Command) -> Graph:
    """Do then undo; returns the graph as it was after ``do``."""
    before = graph.copy()
    command.do(graph)
    after = graph.copy()
    command.undo(graph)
    assert graph == before
    command.do(graph)
    assert graph == after
    return after


def test_remove_takes_the_wires_along_and_undo_brings_them_back() -> None:
    graph = mlp()
    after = roundtrip(graph, RemoveBlocks(["tanh_1"]))
    assert "tanh_1" not in after.blocks
    assert all("tanh_1" not in (link.src, link.dst) for link in after.links)


def test_connect_into_an_occupied_input_replaces_the_wire() -> None:
    graph = mlp()
    graph.add_block(Block("relu_1", "relu"))
    graph.connect(Link("linear_1", 0, "relu_1", 0))
    after = roundtrip(graph, Connect(Link("relu_1", 0, "linear_2", 0)))
    assert after.link_into("linear_2", 0) == Link("relu_1", 0, "linear_2", 0)
    assert Link("tanh_1", 0, "linear_2", 0) not in after.links


def test_connect_refuses_a_loop_and_leaves_the_graph_alone() -> None:
    graph = mlp()
    before = graph.copy()
    with pytest.raises(GraphError, match="loop"):
        Connect(Link("linear_2", 0, "linear_1", 0)).do(graph)
    assert graph == before


def test_set_param_validates_and_merges_consecutive_edits() -> None:
    graph = mlp()
    with pytest.raises(GraphError, match="out_features must be between 1"):
        SetParam("linear_1", "out_features", 0).do(graph)
    with pytest.raises(GraphError, match="has no parameter 'width'"):
        SetParam("linear_1", "width", 3).do(graph)
    first = SetParam("linear_1", "out_features", 1)
    first.do(graph)
    second = SetParam("linear_1", "out_features", 16)
    second.do(graph)
    assert first.merge(second)
    first.undo(graph)
    assert graph.blocks["linear_1"].params["out_features"] == 8


def test_set_param_restores_a_parameter_that_was_left_at_its_default() -> None:
    graph = mlp()
    after = roundtrip(graph, SetParam("linear_1", "bias", False))
    assert after.blocks["linear_1"].params["bias"] is False


def test_fewer_merge_inputs_drop_their_wires_until_undo() -> None:
    graph = mlp()
    graph.add_block(Block("concat_1", "concat", {"inputs": 3}))
    for port in range(3):
        graph.connect(Link("tanh_1", 0, "concat_1", port))
    after = roundtrip(graph, SetParam("concat_1", "inputs", 2))
    assert [link.dst_port for link in after.links if link.dst == "concat_1"] == [0, 1]


def test_move_and_merge_of_a_drag() -> None:
    graph = mlp()
    roundtrip(graph, Move({"linear_1": (5.0, 6.0), "tanh_1": (7.0, 8.0)}))
    nudge = Move({"linear_1": (1.0, 1.0)}, nudge=True)
    assert nudge.merge(Move({"linear_1": (2.0, 2.0)}, nudge=True))
    assert nudge.positions == {"linear_1": (2.0, 2.0)}
    assert not Move({"linear_1": (1.0, 1.0)}).merge(Move({"linear_1": (2.0, 2.0)}))  # two drags, two steps


def test_paste_gives_fresh_ids_and_keeps_internal_wires() -> None:
    graph = mlp()
    blocks = [graph.blocks["linear_1"].copy(), graph.blocks["tanh_1"].copy()]
    after = roundtrip(graph, PasteGroup(blocks, graph.links_of(["linear_1", "tanh_1"])))
    assert {"linear_3", "tanh_2"} <= set(after.blocks)
    assert Link("linear_3", 0, "tanh_2", 0) in after.links
    assert after.link_into("linear_3", 0) is None  # the wire from outside the group is not copied
    assert after.blocks["linear_3"].x == graph.blocks["linear_1"].x + 40


TYPES = ["linear", "relu", "tanh", "add", "concat", "dropout", "group_input"]
ACTIONS = ["add", "remove", "connect", "disconnect", "param", "move", "paste", "group", "ungroup", "unroll", "inside"]


@st.composite
def edit_scripts(draw: st.DrawFn) -> list[tuple]:
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(ACTIONS),
                st.integers(0, 50),
                st.integers(0, 50),
                st.sampled_from(TYPES),
            ),
            max_size=25,
        )
    )


def make_command(graph: Graph, action: str, a: int, b: int, type_name: str) -> Command | None:
    ids = list(graph.blocks)
    if action == "add":
        return AddBlock(Block(graph.new_id(type_name), type_name, x=a, y=b))
    if not ids:
        return None
    first, second = ids[a % len(ids)], ids[b % len(ids)]
    if action == "remove":
        return RemoveBlocks(sorted({first, second}))
    if action == "connect":
        return Connect(Link(first, 0, second, b % 2))
    if action == "disconnect":
        return Disconnect(graph.links[a % len(graph.links)]) if graph.links else None
    if action == "param":
        if graph.blocks[first].type == "group":
            return SetParam(first, "repeat", 1 + a % 3)
        return SetParam(first, "p", (a % 10) / 10) if graph.blocks[first].type == "dropout" else Move({first: (a, b)})
    if action == "move":
        return Move({first: (float(a), float(b))})
    if action == "group":
        return GroupBlocks(sorted({first, second}), graph.new_id("group"))
    if action == "ungroup":
        return Ungroup(first)
    if action == "unroll":
        return Unroll(first)
    if action == "inside":
        inner = graph.blocks[first].graph
        edit = make_command(inner, ["add", "remove", "connect", "group"][b % 4], b, a, type_name) if inner else None
        return InGroup([first], edit) if edit else None
    return PasteGroup([graph.blocks[first].copy(), graph.blocks[second].copy()], list(graph.links))


@settings(max_examples=150, deadline=None)
@given(edit_scripts())
def test_any_edit_script_undoes_to_the_start_and_redoes_to_the_end(script: list[tuple]) -> None:
    graph = mlp()
    start = graph.copy()
    done: list[Command] = []
    for step in script:
        command = make_command(graph, *step)
        if command is None:
            continue
        before = graph.copy()
        try:
            command.do(graph)
        except GraphError:
            assert graph == before  # a refused edit changes nothing
            continue
        done.append(command)
    end = graph.copy()
    for command in reversed(done):
        command.undo(graph)
    assert graph == start
    for command in done:
        command.do(graph)
    assert graph == end
