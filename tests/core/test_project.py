import contextlib
import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core import project as project_module
from playground.core import project_write
from playground.core.layout import auto_layout
from playground.core.project import FORMAT_VERSION, load, loads
from playground.core.project_types import RECIPE_KNOBS, Project, TrainingConfig
from playground.core.project_write import dumps, save, to_document
from playground.core.reader import ProjectError

PRESETS = Path(__file__).resolve().parents[2] / "presets"
SPIRAL = PRESETS / "mlp-spiral.json"


def spiral_doc() -> dict:
    return json.loads(SPIRAL.read_text())


def error_of(doc_or_text) -> ProjectError:
    text = doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text)
    with pytest.raises(ProjectError) as info:
        loads(text, "test.json")
    return info.value


@pytest.mark.parametrize("path", sorted(PRESETS.rglob("*.json")), ids=lambda p: p.stem)
def test_presets_round_trip_byte_for_byte(path: Path, tmp_path: Path) -> None:
    first = load(path)
    save(first, tmp_path / "copy.json")
    second = load(tmp_path / "copy.json")
    assert second.graph == first.graph
    assert to_document(second) == to_document(first)
    assert (tmp_path / "copy.json").read_text() == path.read_text(), (
        f"{path.name} is not what saving it writes: after a format change, run python -m playground.resave_presets"
    )


def test_a_project_keeps_everything_it_was_given() -> None:
    project = load(SPIRAL)
    assert project.title == "MLP on the spiral" and project.lecture == 2
    assert project.dataset.id == "spiral" and project.dataset.params["points"] == 500
    assert project.training.optimizer == "adam" and project.training.lr == 0.05
    assert list(project.graph.blocks) == ["input_1", "linear_1", "tanh_1", "linear_2", "tanh_2", "linear_3", "output_1"]
    assert "spiral" in project.notes


def mutate(doc: dict, path: list, value) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        (["graph", "blocks", 1, "type"], "lineer", "graph.blocks[1].type", "'lineer' is not a block type"),
        (["graph", "blocks", 2, "id"], "linear_1", "graph.blocks[2].id", "'linear_1' is used by two blocks"),
        (
            ["graph", "blocks", 1, "params", "out_features"],
            "8",
            "graph.blocks[1].params",
            "out_features must be a whole number",
        ),
        (["graph", "blocks", 1, "params", "out_features"], 10**30, "graph.blocks[1].params", "must be between 1 and"),
        (["graph", "blocks", 1, "params", "width"], 3, "graph.blocks[1].params", "unknown field 'width'"),
        (["graph", "links", 0, "dst"], "nowhere", "graph.links[0].dst", "block 'nowhere' that does not exist"),
        (["graph", "links", 0, "dst_port"], 7, "graph.links[0].dst_port", "has 1 input port(s), not port 7"),
        (["graph", "links", 1, "dst"], "linear_1", "graph.links[1]", "a second wire into input 0 of 'linear_1'"),
        (["graph", "blocks"], KeyError, "graph", "missing the field 'blocks'"),
        (["training", "lr"], -1, "training.lr", "must be between"),
        (["training", "optimizer"], "adamw2", "training.optimizer", "must be one of sgd, adam, adamw, rmsprop"),
        (["training", "lrr"], 0.1, "training", "unknown field 'lrr'"),
        (["dataset", "params", "noise"], [1], "dataset.params.noise", "point 1 must be [x, y, class]"),
        (["format_version"], FORMAT_VERSION + 1, "format_version", "made by a newer Playground"),
        (["format_version"], "1", "format_version", "must be a whole number"),
        (["format"], "keras", "format", "is not a Playground project"),
        (["layout", "positions", "linear_1"], [1], "layout.positions.linear_1", "must be [x, y]"),
        (["title"], None, "title", "must be text, not null"),
    ],
)
def test_every_defect_is_one_error_naming_its_place(path, value, where, message) -> None:
    error = error_of(mutate(spiral_doc(), path, value))
    assert error.where == where
    assert message in error.message
    assert str(error).startswith(f"test.json: {where}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "playground-project",\n  "format_version": 1,,}', "line 2, column 23"),
        ('{"a": NaN}', "NaN is not a valid number"),
        ('{"a": 1, "a": 2}', "the key 'a' appears twice"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("1" * 5000, "not a valid project file"),
        ("[]", "must hold a JSON object"),
    ],
)
def test_broken_json_is_refused_plainly(text: str, message: str) -> None:
    assert message in str(error_of(text))


def test_newer_files_are_migrated_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    old = spiral_doc()
    old["format_version"] = FORMAT_VERSION
    old["training"]["learning_rate"] = old["training"].pop("lr")

    def rename(doc: dict) -> dict:
        doc["training"]["lr"] = doc["training"].pop("learning_rate")
        return doc

    monkeypatch.setattr(project_module, "FORMAT_VERSION", FORMAT_VERSION + 1)
    monkeypatch.setattr(project_write, "FORMAT_VERSION", FORMAT_VERSION + 1)
    monkeypatch.setitem(project_module.MIGRATIONS, FORMAT_VERSION, rename)
    project = loads(json.dumps(old))
    assert project.training.lr == 0.05
    assert json.loads(dumps(project))["format_version"] == FORMAT_VERSION + 1


def test_a_version_1_file_opens_with_the_recipe_knobs_at_their_defaults() -> None:
    old = spiral_doc()
    old["format_version"] = 1
    for knob in RECIPE_KNOBS:
        old["training"].pop(knob, None)
    project = loads(json.dumps(old))
    defaults = TrainingConfig()
    assert all(getattr(project.training, knob) == getattr(defaults, knob) for knob in RECIPE_KNOBS)
    assert project.training.lr == 0.05
    saved = json.loads(dumps(project))
    assert saved["format_version"] == FORMAT_VERSION and saved["training"]["kl_weight"] == 1.0


def test_saving_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "project.json"
    target.write_text("original")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(project_module.os, "replace", fail)
    with pytest.raises(OSError):
        save(Project(), target)
    assert target.read_text() == "original"
    assert list(tmp_path.iterdir()) == [target]


def test_missing_positions_are_laid_out_automatically() -> None:
    doc = spiral_doc()
    del doc["layout"]
    project = loads(json.dumps(doc))
    placed = {b.id: (b.x, b.y) for b in project.graph.blocks.values()}
    assert placed == auto_layout(project.graph)
    assert len(set(placed.values())) == len(placed)  # no two blocks on top of each other


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (project_module.MAX_FILE_BYTES + 10))
    with pytest.raises(ProjectError, match="larger than 20 MB"):
        load(path)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**40), 10**40) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*prefix, i))


SPIRAL_PATHS = [p for p in paths(spiral_doc()) if p]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(SPIRAL_PATHS), st.one_of(st.just(KeyError), JSON_VALUES)), min_size=1, max_size=4
    )
)
def test_fuzzed_project_files_never_escape_as_anything_but_project_error(edits) -> None:
    doc = spiral_doc()
    for path, value in edits:
        try:
            doc = mutate(doc, list(path), value)
        except (KeyError, IndexError, TypeError):
            continue
    with contextlib.suppress(ProjectError):
        loads(json.dumps(doc))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 3), st.text(max_size=3)), min_size=1, max_size=6))
def test_fuzzed_bytes_never_escape_as_anything_but_project_error(edits) -> None:
    text = SPIRAL.read_text()
    for position, kind, insert in edits:
        position %= len(text) + 1
        if kind == 0:
            text = text[:position] + text[position + 1 :]
        elif kind == 1:
            text = text[:position] + insert + text[position:]
        else:
            text = text[:position] + insert + text[position + len(insert) :]
    with contextlib.suppress(ProjectError):
        loads(text)


def test_a_version_10_file_reads_as_before_and_capitals_in_an_id_are_kept() -> None:
    doc = spiral_doc()
    doc["format_version"] = 10
    assert load_doc(doc).graph == load(SPIRAL).graph
    doc["format_version"] = FORMAT_VERSION
    doc["graph"]["blocks"][1]["id"] = "Linear_1a"
    for link in doc["graph"]["links"]:
        link["src"], link["dst"] = (("Linear_1a" if end == "linear_1" else end) for end in (link["src"], link["dst"]))
    doc["layout"]["positions"]["Linear_1a"] = doc["layout"]["positions"].pop("linear_1")
    project = load_doc(doc)
    assert "Linear_1a" in project.graph.blocks and json.loads(dumps(project))["graph"]["blocks"][1]["id"] == "Linear_1a"
    doc["graph"]["blocks"][1]["id"] = "1a"
    assert "'1a' is not a valid block id (letters, digits, _;" in str(error_of(doc))


def load_doc(doc: dict):
    return loads(json.dumps(doc), "test.json")
