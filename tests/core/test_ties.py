"""Format version 8: tied weights (``graph.ties``), read strictly, saved as given, counted once, and
checked as problems on the blocks (a tie that cannot hold never stops the file from opening)."""

from __future__ import annotations

import json

import pytest

from playground.core.groups import GroupBlocks
from playground.core.project import FORMAT_VERSION, loads
from playground.core.project_write import dumps, to_document
from playground.core.shapes import analyse
from tests.core.test_project import error_of, spiral_doc
from tests.helpers import chain, project


def language_model(vocab: int = 11, dim: int = 8):
    """Tokens -> Embedding -> LayerNorm -> Linear back to the vocabulary, nanoGPT's shape of it."""
    return chain(
        ("idx", "input", {"shape": [5], "dtype": "long"}),
        ("wte", "embedding", {"num_embeddings": vocab, "embedding_dim": dim}),
        ("ln_f", "layer_norm", {"num_features": dim}),
        ("lm_head", "linear", {"in_features": dim, "out_features": vocab, "bias": False}),
        ("output_1", "output", {}),
    )


def _tied_doc() -> dict:
    graph = language_model()
    graph.ties = {"lm_head.weight": "wte.weight"}
    return to_document(project(graph, "tokens"))


def test_a_tie_is_saved_read_back_and_counts_its_tensor_once() -> None:
    doc = _tied_doc()
    assert doc["format_version"] == FORMAT_VERSION >= 8
    assert doc["graph"]["ties"] == {"lm_head.weight": "wte.weight"}
    again = loads(json.dumps(doc))
    assert again.graph.ties == {"lm_head.weight": "wte.weight"} and dumps(again) == dumps(loads(dumps(again)))
    analysis = analyse(again.graph)
    assert analysis.ok
    assert analysis.param_counts["lm_head"] == analysis.param_counts["wte"] == 88
    assert analysis.total_params == 88 + 16  # the embedding (shared) and the LayerNorm


def test_a_version_7_file_ties_nothing_and_is_saved_without_ties() -> None:
    doc = spiral_doc()
    doc["format_version"] = 7
    migrated = loads(json.dumps(doc))
    assert migrated.graph.ties == {}
    saved = to_document(migrated)
    assert saved["format_version"] == FORMAT_VERSION and "ties" not in saved["graph"]


@pytest.mark.parametrize(
    ("ties", "where", "words"),
    [
        ({"lm_head.weight": "wpe.weight"}, "graph.ties.lm_head.weight", '"wpe.weight" names no weight of a block'),
        ({"lm_head": "wte.weight"}, "graph.ties.lm_head", '"lm_head" names no weight'),
        ({"lm_head.weight": 3}, "graph.ties.lm_head.weight", "must be text"),
        ({"lm_head.weight": "wte.weight()"}, "graph.ties.lm_head.weight", "names no weight"),
        (["lm_head.weight"], "graph.ties", "must be an object"),
    ],
)
def test_a_tie_to_no_block_is_refused_naming_its_place(ties, where: str, words: str) -> None:
    doc = _tied_doc()
    doc["graph"]["ties"] = ties
    error = error_of(doc)
    assert error.where == where and words in error.message


def test_ties_inside_a_group_s_graph_are_refused() -> None:
    graph = language_model()
    GroupBlocks(["wte", "ln_f"], "transformer").do(graph)
    doc = to_document(project(graph, "tokens"))
    group = next(b for b in doc["graph"]["blocks"] if b["id"] == "transformer")
    group["graph"]["ties"] = {}
    error = error_of(doc)
    assert "unknown field 'ties'" in error.message and error.where.endswith(".graph")


@pytest.mark.parametrize(
    ("change", "ties", "words"),
    [
        ({"lm_head": {"out_features": 12}}, {"lm_head.weight": "wte.weight"}, "lm_head.weight is 12x8 but wte.weight"),
        ({}, {"lm_head.bias": "wte.weight"}, "Linear 'lm_head' has no weight 'bias' (it has weight)"),
        ({}, {"ln_f.weight": "wte.weight"}, "LayerNorm 'ln_f' has no weight a tie can share"),
        ({}, {"lm_head.weight": "lm_head.weight"}, "tied to itself"),
    ],
)
def test_a_tie_that_cannot_hold_is_a_problem_on_its_block(change: dict, ties: dict, words: str) -> None:
    graph = language_model()
    for block_id, params in change.items():
        graph.blocks[block_id].params.update(params)
    graph.ties = ties
    problems = [p for p in analyse(graph).problems if p.kind == "tie"]
    assert len(problems) == 1 and words in problems[0].message, problems
    assert problems[0].block == next(iter(ties)).split(".")[0]


def test_a_tie_chain_and_a_tie_into_a_repeated_group_are_problems() -> None:
    graph = chain(
        ("idx", "input", {"shape": [5], "dtype": "long"}),
        ("wte", "embedding", {"num_embeddings": 8, "embedding_dim": 8}),
        ("one", "linear", {"in_features": 8, "out_features": 8}),
        ("two", "linear", {"in_features": 8, "out_features": 8}),
        ("output_1", "output", {}),
    )
    graph.ties = {"one.weight": "wte.weight", "two.weight": "one.weight"}
    assert any("tied in turn" in p.message for p in analyse(graph).problems)
    graph.ties = {"two.weight": "wte.weight"}
    GroupBlocks(["one"], "layers").do(graph)
    graph.blocks["layers"].params["repeat"] = 2
    graph.ties = {"layers.one.weight": "wte.weight"}
    messages = [p.message for p in analyse(graph).problems]
    assert messages == [
        "The tie layers.one.weight = wte.weight: 'layers.one' is inside a repeated group, whose copies each have "
        "their own weights"
    ]
