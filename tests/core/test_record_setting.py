"""Format version 12: the training setting ``record_mb`` (the time machine's memory budget); a version-11
file opens with the default budget and is saved as the current version."""

import json

from playground.core.project import FORMAT_VERSION, loads
from playground.core.project_write import dumps
from tests.core.test_project import error_of, spiral_doc


def test_a_version_11_file_opens_with_the_default_budget_and_is_saved_with_the_setting() -> None:
    doc = spiral_doc()
    doc["format_version"] = 11
    doc["training"].pop("record_mb", None)
    project = loads(json.dumps(doc))
    assert project.training.record_mb == 256
    saved = json.loads(dumps(project))
    assert saved["format_version"] == FORMAT_VERSION >= 12 and saved["training"]["record_mb"] == 256


def test_the_budget_survives_a_round_trip_and_must_be_at_least_0() -> None:
    doc = spiral_doc()
    doc["training"]["record_mb"] = 64
    assert json.loads(dumps(loads(json.dumps(doc))))["training"]["record_mb"] == 64
    doc["training"]["record_mb"] = -1
    assert "training.record_mb" in str(error_of(doc))
