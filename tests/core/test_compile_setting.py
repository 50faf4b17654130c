"""Format version 5: the training setting ``compile`` (train through torch.compile); a version-4 file
opens with it off, as it trained before, and is saved as the current version."""

import json

from playground.core.project import FORMAT_VERSION, loads
from playground.core.project_write import dumps
from tests.core.test_project import error_of, spiral_doc


def test_a_version_4_file_opens_without_compile_and_is_saved_with_the_setting() -> None:
    doc = spiral_doc()
    doc["format_version"] = 4
    doc["training"].pop("compile", None)
    project = loads(json.dumps(doc))
    assert project.training.compile is False
    saved = json.loads(dumps(project))
    assert saved["format_version"] == FORMAT_VERSION >= 5 and saved["training"]["compile"] is False


def test_compile_survives_a_round_trip_and_must_be_true_or_false() -> None:
    doc = spiral_doc()
    doc["training"]["compile"] = True
    assert json.loads(dumps(loads(json.dumps(doc))))["training"]["compile"] is True
    doc["training"]["compile"] = "yes"
    assert "training.compile" in str(error_of(doc))
