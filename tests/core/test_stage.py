"""Format version 7: a project names its stage (the views presentation shows, the block it follows);
a version-6 file presents as it always did."""

from __future__ import annotations

import json

import pytest

from playground.core.project import FORMAT_VERSION, load, loads
from playground.core.project_types import STAGE_VIEWS, Stage
from playground.core.project_write import dumps, to_document
from tests.core.test_project import PRESETS, error_of, spiral_doc


def test_a_version_6_file_presents_every_view_and_is_saved_as_the_current_version_without_a_stage() -> None:
    doc = spiral_doc()
    doc["format_version"] = 6
    project = loads(json.dumps(doc))
    assert project.stage == Stage(STAGE_VIEWS, "")
    saved = to_document(project)
    assert saved["format_version"] == FORMAT_VERSION >= 7 and "stage" not in saved


def test_a_stage_is_saved_and_read_back_in_its_views_order() -> None:
    doc = spiral_doc()
    follow = next(b["id"] for b in doc["graph"]["blocks"] if b["type"] == "linear")
    doc["stage"] = {"views": ["block", "curves"], "follow": follow}
    project = loads(json.dumps(doc))
    assert project.stage == Stage(("curves", "block"), follow)
    again = loads(dumps(project))
    assert again.stage == project.stage and json.loads(dumps(again))["stage"]["follow"] == follow


def test_a_followed_block_deleted_since_is_followed_no_more_when_saved() -> None:
    doc = spiral_doc()
    follow = next(b["id"] for b in doc["graph"]["blocks"] if b["type"] == "linear")
    doc["stage"] = {"views": ["data"], "follow": follow}
    project = loads(json.dumps(doc))
    for link in project.graph.links_of([follow]):
        project.graph.disconnect(link)
    project.graph.remove_block(follow)
    assert loads(dumps(project)).stage == Stage(("data",), "")  # the file opens again


@pytest.mark.parametrize(
    ("stage", "where", "says"),
    [
        ({"views": ["plane"]}, "stage.views[0]", 'not "plane"'),
        ({"views": ["data", "data"]}, "stage.views[1]", "each once"),
        ({"views": []}, "stage.views", "at least one view"),
        ({"follow": "conv_9"}, "stage.follow", 'names no block of the network (at its top level): "conv_9"'),
        ({"follow": 3}, "stage.follow", "must be text"),
        ({"show": "all"}, "stage", "unknown field 'show'"),
    ],
)
def test_a_bad_stage_is_named_by_its_field(stage, where, says) -> None:
    doc = spiral_doc()
    doc["stage"] = stage
    error = str(error_of(doc))
    assert where in error and says in error


def test_the_presets_of_image_and_attention_lectures_follow_their_block() -> None:
    for name, block, kind in (
        ("lenet-digits", "conv2d_1", "conv2d"),
        ("resnet-digits", "stem", "conv2d"),
        ("transformer-reverse", "transformer_block_1", "transformer_block"),
    ):
        project = load(PRESETS / f"{name}.json")
        assert project.stage.follow == block and project.graph.blocks[block].type == kind
