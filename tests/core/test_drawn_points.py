"""Format version 4: a dataset parameter may be a list of drawn [x, y, class] points; a version-3 file
opens unchanged and is saved as the current version."""

import json

import pytest

from playground.core.drawn import MAX_POINTS, check_points
from playground.core.project import FORMAT_VERSION, loads
from playground.core.project_write import dumps
from tests.core.test_project import error_of, spiral_doc

POINTS = [[-0.5, 0.25, 0], [0.5, -0.25, 1], [0.1, 0.9, 1], [-1, 1, 0]]


def test_drawn_points_survive_a_round_trip() -> None:
    doc = spiral_doc()
    doc["dataset"] = {"id": "drawn", "params": {"points": POINTS, "val_fraction": 0.25}}
    project = loads(json.dumps(doc))
    assert project.dataset.params["points"] == [[-0.5, 0.25, 0], [0.5, -0.25, 1], [0.1, 0.9, 1], [-1.0, 1.0, 0]]
    saved = json.loads(dumps(project))
    assert saved["format_version"] == FORMAT_VERSION >= 4 and saved["dataset"]["params"]["points"] == POINTS


def test_a_version_3_file_opens_unchanged_and_is_saved_as_the_current_version() -> None:
    doc = spiral_doc()
    doc["format_version"] = 3
    project = loads(json.dumps(doc))
    assert project.dataset.id == "spiral" and project.dataset.params == doc["dataset"]["params"]
    assert json.loads(dumps(project))["format_version"] == FORMAT_VERSION


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([[0, 0]], "point 1 must be [x, y, class]"),
        ([[0, 0, 0], [0, "a", 1]], "point 2 has a coordinate that is not a number from -100 to 100"),
        ([[0, 1e9, 0]], "point 1 has a coordinate that is not a number"),
        ([[0, 0, 12]], "point 1 has class 12: classes are whole numbers from 0 to 9"),
        ([[0, 0, True]], "point 1 has class True"),
        ([[0, 0, 0]] * (MAX_POINTS + 1), f"more than the {MAX_POINTS} a drawing may have"),
    ],
)
def test_bad_points_name_the_parameter_and_the_point(points: list, message: str) -> None:
    doc = spiral_doc()
    doc["dataset"] = {"id": "drawn", "params": {"points": points}}
    error = str(error_of(doc))
    assert "dataset.params.points" in error and message in error
    with pytest.raises(ValueError, match="point|points"):
        check_points(points)


def test_a_list_is_only_ever_points() -> None:
    doc = spiral_doc()
    doc["dataset"]["params"]["noise"] = {"a": 1}
    assert "must be text, a number, true/false or a list of points, not an object" in str(error_of(doc))
