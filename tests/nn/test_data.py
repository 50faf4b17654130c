import json
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.core.project_types import DatasetRef
from playground.nn.data.base import DataError, all_datasets, get_dataset, load_data

GENERATED = [s.id for s in all_datasets() if s.id not in ("csv", "npz", "drawn") and s.kind != "control"]
GIVEN = {"images": {"folder": "shapes-folder", "size": 8}}  # a dataset that reads a folder: the shipped one


@pytest.mark.parametrize("dataset_id", GENERATED)
def test_every_dataset_is_deterministic_by_seed_and_split(dataset_id: str) -> None:
    seeded = "seed" in get_dataset(dataset_id).defaults()
    given = GIVEN.get(dataset_id, {})
    params = {**given, "seed": 3} if seeded else given
    first = load_data(DatasetRef(dataset_id, params))
    again = load_data(DatasetRef(dataset_id, params))
    for split in ("train", "val"):
        assert first.__dict__[split].keys() == again.__dict__[split].keys()
        for key, tensor in first.__dict__[split].items():
            assert torch.equal(tensor, again.__dict__[split][key]), (split, key)
    if seeded:
        other = load_data(DatasetRef(dataset_id, {**given, "seed": 4}))
        assert any(not torch.equal(v, other.train[k]) for k, v in first.train.items())
    lengths = {len(v) for v in first.train.values()}
    assert len(lengths) == 1, "every field has one entry per example"
    assert first.kind in ("classification", "regression", "text", "graph")


@pytest.mark.parametrize(
    ("dataset_id", "x_shape", "classes"),
    [
        ("circle", (2,), 2),
        ("xor", (2,), 2),
        ("gaussians", (2,), 2),
        ("spiral", (2,), 2),
        ("moons", (2,), 2),
        ("blobs-3", (2,), 3),
        ("digits", (1, 8, 8), 10),
        ("token-reverse", (8,), 10),
        ("token-sort", (8,), 10),
    ],
)
def test_classification_sets_have_balanced_labels_and_the_right_shapes(dataset_id, x_shape, classes) -> None:
    data = load_data(DatasetRef(dataset_id, {}))
    assert data.example_shape("x") == x_shape
    assert data.num_classes == classes
    counts = torch.bincount(data.train["y"].flatten(), minlength=classes)
    assert counts.min() > 0.6 * counts.max()


def test_sizes_noise_and_splits_follow_the_parameters() -> None:
    data = load_data(DatasetRef("spiral", {"points": 300, "val_fraction": 0.5, "noise": 0.0}))
    assert len(data.train["x"]) == len(data.val["x"]) == 150
    radius = data.train["x"].norm(dim=1)
    assert radius.max() <= 0.951  # noise-free spiral arms stay inside their radius
    gap = load_data(DatasetRef("polynomial", {"gap": True, "points": 500}))
    xs = torch.cat([gap.train["x"], gap.val["x"]])
    assert ((xs > -1 / 3) & (xs < 1 / 3)).sum() == 0


def test_digits_text_and_karate_have_what_their_tasks_need() -> None:
    digits = load_data(DatasetRef("digits", {}))
    assert len(digits.train["x"]) + len(digits.val["x"]) == 1797
    assert digits.train["x"].min() >= 0 and digits.train["x"].max() <= 1
    text = load_data(DatasetRef("text", {}))
    assert "".join(text.vocab[i] for i in text.train["tokens"][:14]) == "First Citizen:"
    karate = load_data(DatasetRef("karate-club", {"labelled": 2}))
    assert karate.train["mask"].sum() == 4 and not (karate.train["mask"] & karate.val["mask"]).any()
    adjacency = karate.train["adjacency"]
    assert torch.allclose(adjacency, adjacency.T) and adjacency.shape == (34, 34)


def test_forecast_windows_predict_the_next_value() -> None:
    data = load_data(DatasetRef("sine-forecast", {"steps": 12, "noise": 0.0, "points": 50}))
    assert data.example_shape("x") == (12, 1) and data.example_shape("y") == (1,)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"points": 3}, "points must be between 10"),
        ({"nois": 0.1}, "has no parameter 'nois'"),
        ({"noise": "high"}, "noise must be a number"),
    ],
)
def test_bad_dataset_parameters_are_named(params, message) -> None:
    with pytest.raises(DataError, match=message):
        load_data(DatasetRef("spiral", params))


def test_unknown_dataset_lists_the_known_ones() -> None:
    with pytest.raises(DataError, match="there is no dataset 'spirl'.*spiral"):
        load_data(DatasetRef("spirl", {}))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_classification_standardises_features(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i * 10 % 7},{'yes' if i % 2 else 'no'}" for i in range(40))
    write(tmp_path, "table.csv", "a,b,label\n" + rows + "\n")
    data = load_data(DatasetRef("csv", {"path": "table.csv", "target": "label", "val_fraction": 0.25}), tmp_path)
    assert data.kind == "classification" and data.num_classes == 2 and data.vocab == ["no", "yes"]
    assert data.example_shape("x") == (2,)
    assert torch.allclose(data.train["x"].mean(0), torch.zeros(2), atol=1e-5)


def test_csv_regression_target_defaults_to_the_last_column(tmp_path: Path) -> None:
    write(tmp_path, "r.csv", "x,y\n" + "\n".join(f"{i / 10},{i * 0.37}" for i in range(30)))
    data = load_data(DatasetRef("csv", {"path": "r.csv"}), tmp_path)
    assert data.kind == "regression" and data.example_shape("y") == (1,)


@pytest.mark.parametrize(
    ("text", "params", "message"),
    [
        ("a,b\n1,2\n3,4\n", {"target": "c"}, "there is no column 'c' \\(columns: a, b\\)"),
        ("a,b\n1,2\nx,4\n5,6\n", {}, "line 3, column 'a': 'x' is not a number"),
        ("a,b\n1,2\n,4\n5,6\n", {}, "line 3, column 'a': the value is missing"),
        ("a,b\n1,2\nnan,4\n5,6\n", {}, "line 3, column 'a': the value is missing"),
        ("a,b\n1,2\ninf,4\n5,6\n", {}, "line 3, column 'a': 'inf' is not a finite number"),
        ("a,b\n1,2\n3\n5,6\n", {}, "line 3: has 1 values but the header has 2 columns"),
        ("a,b\n1,2\n", {}, "needs a header line and at least two rows"),
        ("a,b\n1,x\n2,y\n", {"task": "regression"}, "regression needs numbers in the target"),
    ],
)
def test_bad_csv_files_name_the_line_and_column(tmp_path: Path, text, params, message) -> None:
    write(tmp_path, "bad.csv", text)
    with pytest.raises(DataError, match=message):
        load_data(DatasetRef("csv", {"path": "bad.csv", **params}), tmp_path)


def test_missing_files_and_paths_are_reported(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no file is set"):
        load_data(DatasetRef("csv", {}), tmp_path)
    with pytest.raises(DataError, match="nothing.csv: there is no such file"):
        load_data(DatasetRef("csv", {"path": "nothing.csv"}), tmp_path)


def test_npz_arrays(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=np.random.rand(20, 3), y=np.arange(20) % 4)
    data = load_data(DatasetRef("npz", {"path": "d.npz"}), tmp_path)
    assert data.kind == "classification" and data.num_classes == 4 and data.example_shape("x") == (3,)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((5, 2))}, "has no array 'y'"),
        ({"x": np.zeros((5, 2)), "y": np.zeros(4)}, "'x' has 5 examples but 'y' has 4"),
        (
            {"x": np.full((5, 2), np.nan), "y": np.zeros(5)},
            "array 'x' has a missing or infinite value at index \\(0, 0\\)",
        ),
        ({"x": np.array(["a", "b"]), "y": np.zeros(2)}, "holds <U1, not numbers"),
        (
            {"x": np.array([{"a": 1}, None], dtype=object), "y": np.zeros(2)},
            "holds Python objects, which Playground never loads",
        ),
    ],
)
def test_bad_npz_files_are_refused_without_unpickling(tmp_path: Path, arrays, message) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=message):
        load_data(DatasetRef("npz", {"path": "bad.npz"}), tmp_path)


def test_a_damaged_npz_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="junk.npz"):
        load_data(DatasetRef("npz", {"path": "junk.npz"}), tmp_path)


def test_every_dataset_has_a_description_for_the_ui() -> None:
    for spec in all_datasets():
        assert spec.description.endswith(".") and spec.title
        json.dumps(spec.defaults())


def test_shapes_come_with_masks_of_their_own_pixels() -> None:
    from playground.nn.data.images import _masks

    data = load_data(DatasetRef("shapes", {"points": 60, "noise": 0.0, "size": 20}))
    x, y = data.train["x"], data.train["y"]
    assert x.shape[1:] == (1, 20, 20) and y.shape[1:] == (20, 20) and data.num_classes == 2
    assert torch.equal(x[:, 0] > 0.5, y.bool()), "without noise the image is its mask"
    masks = _masks(300, 16, torch.Generator().manual_seed(0))
    areas = masks.float().mean(dim=(1, 2))
    assert areas.min() > 0.02 and areas.max() < 0.6


@pytest.mark.parametrize(
    ("shape", "mode", "standardised"),
    [((40, 3), "auto", True), ((40, 3), "no", False), ((40, 2, 4), "auto", False), ((40, 2, 4), "yes", True)],
)
def test_npz_features_are_standardised_like_csv(tmp_path: Path, shape, mode, standardised) -> None:
    x = np.random.default_rng(1).normal(50.0, 9.0, shape)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(40) % 2)
    data = load_data(DatasetRef("npz", {"path": "d.npz", "standardize": mode}), tmp_path)
    train = data.train["x"]
    if standardised:
        assert torch.allclose(train.mean(0), torch.zeros(shape[1:]), atol=1e-4)
        assert torch.allclose(train.std(0), torch.ones(shape[1:]), atol=1e-3)
    else:
        assert float(train.mean()) == pytest.approx(50.0, abs=3.0)


def test_mnist_is_the_real_28x28_digits_offline() -> None:
    data = load_data(DatasetRef("mnist", {}))
    assert data.example_shape("x") == (1, 28, 28) and data.num_classes == 10
    assert len(data.train["x"]) == 4000 and len(data.val["x"]) == 1000
    labels = torch.cat([data.train["y"], data.val["y"]])
    assert torch.bincount(labels).tolist() == [500] * 10
    assert float(data.train["x"].min()) >= 0.0 and float(data.train["x"].max()) == 1.0


def test_drawn_points_are_a_dataset_on_a_fixed_plane() -> None:
    points = [[-0.5, 0.5, 0], [0.5, 0.5, 2], [0.2, -0.4, 0], [-0.3, -0.9, 2], [1.0, 1.0, 0]]
    data = load_data(DatasetRef("drawn", {"points": points, "val_fraction": 0.2}))
    assert data.kind == "classification" and data.num_classes == 3 and data.info["bounds"] == (-1.5, 1.5)
    together = torch.cat([data.train["x"], data.val["x"]])
    expected = torch.tensor(sorted((p[0], p[1]) for p in points))
    assert torch.allclose(torch.tensor(sorted(map(tuple, together.tolist()))), expected)
    with pytest.raises(DataError, match="draw at least 4 points of two classes on the input plane"):
        load_data(DatasetRef("drawn", {"points": points[:3]}))
