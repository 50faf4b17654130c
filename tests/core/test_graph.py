import pytest

from playground.core.graph import Block, Graph, GraphError, Link
from tests.helpers import mlp


def test_events_are_reported_in_the_past_tense() -> None:
    graph = Graph()
    events = []
    graph.subscribe(lambda name, payload: events.append(name))
    graph.add_block(Block("input_1", "input"))
    graph.add_block(Block("relu_1", "relu"))
    graph.connect(Link("input_1", 0, "relu_1", 0))
    graph.set_param("input_1", "shape", [3])
    graph.move("relu_1", 10, 20)
    graph.disconnect(Link("input_1", 0, "relu_1", 0))
    graph.remove_block("relu_1")
    assert events == [
        "block_added",
        "block_added",
        "link_added",
        "param_changed",
        "block_moved",
        "link_removed",
        "block_removed",
    ]


@pytest.mark.parametrize("bad", ["1abc", "a-b", "class", "self", "", "x" * 65])
def test_block_ids_must_be_python_names(bad: str) -> None:
    with pytest.raises(GraphError):
        Graph().add_block(Block(bad, "relu"))


def test_duplicate_ids_and_occupied_inputs_are_refused() -> None:
    graph = mlp()
    with pytest.raises(GraphError, match="already a block"):
        graph.add_block(Block("linear_1", "linear"))
    with pytest.raises(GraphError, match="already has a wire"):
        graph.connect(Link("input_1", 0, "linear_1", 0))
    with pytest.raises(GraphError, match="no port 3"):
        graph.connect(Link("input_1", 0, "tanh_1", 3))
    with pytest.raises(GraphError, match="still has wires"):
        graph.remove_block("tanh_1")


def test_new_ids_count_up_per_type() -> None:
    graph = mlp()
    assert graph.new_id("linear") == "linear_3"
    assert graph.new_id("relu") == "relu_1"
    assert graph.new_id("linear", taken=["linear_3"]) == "linear_4"


def test_topological_order_and_cycles() -> None:
    graph = mlp()
    assert graph.topological_order() == ["input_1", "linear_1", "tanh_1", "linear_2", "output_1"]
    assert graph.find_cycle() == []
    assert graph.would_cycle(Link("linear_2", 0, "linear_1", 0))
    assert not graph.would_cycle(Link("input_1", 0, "linear_2", 0))


def test_a_loop_is_found_along_its_wires_and_ties_keep_the_order_blocks_were_added() -> None:
    graph = Graph()
    for block_id, kind in (("c", "relu"), ("a", "relu"), ("b", "add"), ("d", "tanh"), ("e", "tanh")):
        graph.add_block(Block(block_id, kind))
    graph.links = [Link("a", 0, "b", 0), Link("b", 0, "c", 0), Link("c", 0, "b", 1), Link("c", 0, "d", 0)]
    assert graph.order() == (["a", "e"], {"b", "c", "d"})  # d only follows the loop
    assert graph.find_cycle() == ["b", "c"]  # b -> c -> b
    graph.links = [Link("c", 0, "b", 0), Link("e", 0, "d", 0)]
    assert graph.topological_order() == ["c", "a", "b", "e", "d"]  # the earliest-added ready block first


def test_copies_compare_equal_and_independent() -> None:
    graph = mlp()
    other = graph.copy()
    assert other == graph
    other.set_param("linear_1", "out_features", 4)
    assert other != graph
    assert graph.blocks["linear_1"].params["out_features"] == 8
