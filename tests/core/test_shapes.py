import pytest

from playground.core.graph import Block, Link
from playground.core.registry import all_specs, get_spec
from playground.core.shapes import analyse
from tests.helpers import chain, mlp


def messages(graph) -> list[str]:
    return [p.message for p in analyse(graph).problems]


def test_a_valid_mlp_has_shapes_on_every_wire_and_counts() -> None:
    graph = mlp(hidden=8)
    result = analyse(graph)
    assert result.ok
    assert result.shapes["linear_1"] == [("N", 8)]
    assert result.wire_shape(graph.link_into("output_1", 0)) == ("N", 1)
    assert result.param_counts == {"input_1": 0, "linear_1": 24, "tanh_1": 0, "linear_2": 9, "output_1": 0}
    assert result.total_params == 33


def test_feature_mismatch_is_explained_as_in_the_lecture() -> None:
    graph = chain(
        ("input_1", "input", {"shape": [128]}),
        ("linear_2", "linear", {"in_features": 64, "out_features": 10}),
        ("output_1", "output", {}),
    )
    (problem,) = analyse(graph).problems
    assert problem.block == "linear_2" and problem.port == "in" and problem.kind == "shape"
    assert problem.message == "Linear 'linear_2' expects 64 input features but receives 128: set in_features to 128"


def test_images_into_a_linear_suggest_a_flatten() -> None:
    graph = chain(
        ("input_1", "input", {"shape": [1, 8, 8]}),
        ("linear_1", "linear", {"in_features": 64, "out_features": 10}),
        ("output_1", "output", {}),
    )
    assert messages(graph) == [
        "Linear 'linear_1' expects 64 input features but receives 8: set in_features to 8 or add a Flatten before it"
    ]


def test_problems_are_reported_once_at_their_source() -> None:
    graph = mlp()
    graph.set_param("linear_1", "out_features", 5)
    assert messages(graph) == ["Linear 'linear_2' expects 8 input features but receives 5: set in_features to 5"]
    assert "output_1" not in analyse(graph).shapes  # downstream blocks stay shapeless, not blamed


def test_unconnected_input_names_the_port() -> None:
    graph = mlp()
    graph.disconnect(graph.link_into("tanh_1", 0))
    (problem,) = analyse(graph).problems
    assert (problem.block, problem.port, problem.kind) == ("tanh_1", "in", "unconnected")
    assert "Tanh 'tanh_1' has nothing connected to its input 'in'" in problem.message


def test_cycles_unknown_types_and_bad_values() -> None:
    graph = mlp()
    graph.add_block(Block("relu_1", "relu"))
    graph.add_block(Block("relu_2", "relu"))
    graph.connect(Link("relu_1", 0, "relu_2", 0))
    graph.connect(Link("relu_2", 0, "relu_1", 0))
    graph.add_block(Block("mystery_1", "lineer"))
    graph.blocks["linear_1"].params["out_features"] = -3
    kinds = {p.kind: p.message for p in analyse(graph).problems}
    assert "relu_1 -> relu_2 -> relu_1" in kinds["cycle"] or "relu_2 -> relu_1 -> relu_2" in kinds["cycle"]
    assert kinds["unknown_type"] == "Block 'mystery_1' has an unknown type 'lineer' (did you mean 'linear'?)"
    assert kinds["param"] == "Linear 'linear_1' out_features must be between 1 and 1048576, not -3"


def test_tokens_into_a_linear_ask_for_an_embedding() -> None:
    graph = chain(
        ("input_1", "input", {"shape": [12], "dtype": "long"}),
        ("linear_1", "linear", {"in_features": 12, "out_features": 4}),
        ("output_1", "output", {}),
    )
    (problem,) = analyse(graph).problems
    assert problem.kind == "dtype"
    assert problem.message.endswith(
        "expects real numbers on input 'in' but receives integer token ids: add an Embedding first"
    )


def test_a_graph_without_output_is_a_problem() -> None:
    graph = chain(("input_1", "input", {"shape": [2]}), ("relu_1", "relu", {}))
    assert messages(graph) == ["The network has no Output block: add one and wire the result into it."]


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        (
            [("conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3})],
            "expects 3 input channels but receives 1",
        ),
        ([("conv2d", {"in_channels": 1, "kernel_size": 9})], "would produce an empty output"),
        ([("reshape", {"shape": [7, -1]})], "cannot split 64 values per example into (7, -1)"),
        ([("self_attention", {"embed_dim": 10, "num_heads": 4})], "embed_dim (10) must be divisible by num_heads (4)"),
        ([("flatten", {}), ("lstm", {"input_size": 64})], "expects a 3-D (batch, steps, features) tensor"),
        ([("max_pool2d", {"kernel_size": 2, "padding": 2})], "padding (2) must be at most half of kernel_size (2)"),
        ([("select", {"dim": 4})], "dim 4 does not exist for a 4-D input"),
        ([("permute", {"dims": [1, 0, 2, 3]})], "dims must start with 0"),
        (
            [("max_pool2d", {"kernel_size": 8}), ("instance_norm2d", {"num_features": 1})],
            "InstanceNorm2d needs images of more than one pixel",
        ),
        (
            [
                ("max_pool2d", {"kernel_size": 8}),
                ("conv2d", {"in_channels": 1, "kernel_size": 2, "padding": "same", "padding_mode": "reflect"}),
            ],
            "padding_mode reflect needs padding smaller than the input",
        ),
        (
            [("conv2d", {"in_channels": 1, "kernel_size": 1, "padding": 9, "padding_mode": "circular"})],
            "padding_mode circular needs padding no larger than the input",
        ),
    ],
)
def test_shape_rules_explain_what_is_wrong(blocks: list, expected: str) -> None:
    specs = [("input_1", "input", {"shape": [1, 8, 8]})]
    specs += [(f"{t}_1", t, p) for t, p in blocks]
    specs += [("output_1", "output", {})]
    found = messages(chain(*specs))
    assert len(found) == 1 and expected in found[0], found


def test_every_block_type_is_described_for_students() -> None:
    for spec in all_specs():
        assert spec.description.endswith(".") and spec.description[0].isupper(), spec.type
        assert spec.category and spec.title
        assert get_spec(spec.type) is spec
        for alias in spec.aliases:
            assert get_spec(alias) is spec
        for param in spec.params:
            assert param.validate(param.default) == param.default, (spec.type, param.name)
