"""Sizes set to "auto" take their value from the incoming wire, like Keras' Dense(H)."""

import json

import pytest

from playground.core.project import FORMAT_VERSION, loads
from playground.core.project_write import dumps
from playground.core.registry import AUTO, all_specs
from playground.core.shapes import analyse, inferred
from tests.core.test_project import error_of, spiral_doc
from tests.helpers import chain


def test_the_slide_model_is_built_from_output_sizes_alone() -> None:
    graph = chain(
        ("input_1", "input", {"shape": [2]}),
        ("linear_1", "linear", {"in_features": AUTO, "out_features": 16}),
        ("tanh_1", "tanh", {}),
        ("linear_2", "linear", {"in_features": AUTO, "out_features": 3}),
        ("output_1", "output", {}),
    )
    result = analyse(graph)
    assert result.ok, result.problems
    assert result.params["linear_1"]["in_features"] == 2 and result.params["linear_2"]["in_features"] == 16
    assert result.param_counts["linear_1"] == 2 * 16 + 16 and result.param_counts["linear_2"] == 16 * 3 + 3
    assert inferred(result, graph.blocks["linear_2"]) == {"in_features": 16}
    assert graph.blocks["linear_2"].params["in_features"] == AUTO  # the block keeps its setting


@pytest.mark.parametrize(
    ("blocks", "block", "name", "size"),
    [
        (
            [("input_1", "input", {"shape": [3, 8, 8]}), ("conv_1", "conv2d", {"in_channels": AUTO})],
            "conv_1",
            "in_channels",
            3,
        ),
        (
            [("input_1", "input", {"shape": [5]}), ("bn_1", "batch_norm1d", {"num_features": AUTO})],
            "bn_1",
            "num_features",
            5,
        ),
        (
            [("input_1", "input", {"shape": [4, 8, 8]}), ("bn_1", "batch_norm2d", {"num_features": AUTO})],
            "bn_1",
            "num_features",
            4,
        ),
        (
            [("input_1", "input", {"shape": [7, 6]}), ("ln_1", "layer_norm", {"num_features": AUTO})],
            "ln_1",
            "num_features",
            6,
        ),
        (
            [("input_1", "input", {"shape": [10, 3]}), ("lstm_1", "lstm", {"input_size": AUTO})],
            "lstm_1",
            "input_size",
            3,
        ),
        (
            [
                ("input_1", "input", {"shape": [10, 8]}),
                ("att_1", "self_attention", {"embed_dim": AUTO, "num_heads": 2}),
            ],
            "att_1",
            "embed_dim",
            8,
        ),
    ],
)
def test_every_input_size_can_be_inferred(blocks, block, name, size) -> None:
    graph = chain(*blocks, ("output_1", "output", {}))
    result = analyse(graph)
    assert result.ok, result.problems
    assert result.params[block][name] == size


def test_auto_is_refused_where_no_size_comes_in() -> None:
    graph = chain(
        ("input_1", "input", {"shape": ["N"]}),
        ("linear_1", "linear", {"in_features": AUTO}),
        ("output_1", "output", {}),
    )
    (problem,) = analyse(graph).problems
    assert (
        problem.block == "linear_1" and "cannot infer in_features" in problem.message and "by hand" in problem.message
    )


def test_auto_is_refused_for_sizes_that_are_not_inputs() -> None:
    doc = spiral_doc()
    block = next(b for b in doc["graph"]["blocks"] if b["type"] == "linear")
    block["params"]["out_features"] = AUTO
    assert "out_features must be a whole number, not 'auto'" in str(error_of(doc))


def test_auto_survives_a_round_trip_through_the_file() -> None:
    doc = spiral_doc()
    block = next(b for b in doc["graph"]["blocks"] if b["type"] == "linear")
    block["params"]["in_features"] = AUTO
    project = loads(json.dumps(doc))
    saved = json.loads(dumps(project))
    again = next(b for b in saved["graph"]["blocks"] if b["id"] == block["id"])
    assert again["params"]["in_features"] == AUTO and saved["format_version"] == FORMAT_VERSION >= 3
    assert analyse(project.graph).ok


def test_a_version_2_file_keeps_its_numbers_and_epochs() -> None:
    doc = spiral_doc()
    doc["format_version"] = 2
    project = loads(json.dumps(doc))
    linear = next(b for b in project.graph.blocks.values() if b.type == "linear")
    assert linear.params["in_features"] == 2 and project.training.epochs == doc["training"]["epochs"]
    assert json.loads(dumps(project))["format_version"] == FORMAT_VERSION


def test_epochs_zero_means_until_stopped() -> None:
    doc = spiral_doc()
    doc["training"]["epochs"] = 0
    assert loads(json.dumps(doc)).training.epochs == 0
    doc["training"]["epochs"] = -1
    assert "training.epochs: must be between 0 and 1000000, not -1" in str(error_of(doc))


def test_the_sizes_that_may_be_auto_are_input_sizes() -> None:
    autos = {(s.type, p.name) for s in all_specs() for p in s.params if p.infer_from is not None}
    assert ("linear", "in_features") in autos and ("conv2d", "in_channels") in autos
    assert all(
        name
        in (
            "in_features",
            "in_channels",
            "num_channels",
            "input_size",
            "num_features",
            "embed_dim",
            "kv_dim",
            "kdim",
            "vdim",
            "d_model",
            "dim",
        )
        for _, name in autos
    )
