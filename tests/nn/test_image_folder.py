"""The ``images`` dataset: a folder with one subfolder per class, read with Pillow, cached, and every file
it cannot use left out with one line that names it and says why."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from playground.core.project import load
from playground.core.project_types import DatasetRef
from playground.host import PRESETS
from playground.nn.data import image_folder, image_reader
from playground.nn.data.base import DataError, load_data
from playground.nn.data.image_folder import reading
from playground.nn.data.image_reader import augmenter
from playground.nn.trainer import Trainer
from tests.image_folders import digit_folder


@pytest.fixture(autouse=True)
def cache_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "app-data"))


def images(folder: Path, **params) -> object:
    return load_data(DatasetRef("images", {"folder": str(folder), **params}))


def test_a_folder_of_pngs_and_jpegs_is_classes_resized_and_normalised(tmp_path: Path) -> None:
    root = digit_folder(tmp_path / "digits", classes=(0, 1, 7), per_class=10)
    data = images(root, size=16)
    assert data.vocab == ["0", "1", "7"] and data.num_classes == 3
    assert data.train["x"].shape == (24, 3, 16, 16) and data.val["x"].shape == (6, 3, 16, 16)
    assert sorted(data.val["y"].tolist()) == [0, 0, 1, 1, 2, 2]  # a share of each class
    assert torch.allclose(data.train["x"].mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(data.train["x"].std(dim=(0, 2, 3)), torch.ones(3), atol=1e-3)
    assert data.note == "digits: 30 images in 3 classes (0 10, 1 10, 7 10)"
    gray = images(root, size=16, color="gray")
    assert gray.train["x"].shape[1] == 1
    first = Image.open(root / "7" / "000.png").convert("RGB").resize((16, 16), Image.Resampling.BILINEAR)
    assert np.asarray(first).max() > 100  # the digits really are there to be read


def test_train_and_val_folders_are_the_split(tmp_path: Path) -> None:
    digit_folder(tmp_path / "set" / "train", classes=(3, 4), per_class=6)
    digit_folder(tmp_path / "set" / "val", classes=(3, 4, 5), per_class=2)
    data = images(tmp_path / "set", size=8)
    assert len(data.train["y"]) == 12 and len(data.val["y"]) == 4
    assert "val/5/ is not a class in train/: left out" in data.info["skipped"]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # pytest resets the module's filter
def test_every_bad_file_is_left_out_with_a_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = digit_folder(tmp_path / "pics", classes=(0, 1), per_class=6, kinds="jpg")
    (root / "0" / "notes.txt").write_text("not a picture")
    (root / "0" / "broken.jpg").write_bytes((root / "0" / "001.jpg").read_bytes()[:400])
    (root / "0" / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    (root / "readme.md").write_text("loose file")
    (root / "empty").mkdir()
    (root / "lonely").mkdir()
    Image.new("RGB", (9, 9)).save(root / "lonely" / "one.png")
    (root / "1" / "loop").symlink_to(root)
    (root / "1" / "dangling.png").symlink_to(root / "nowhere.png")
    Image.new("RGB", (30, 30)).save(root / "1" / "huge.png")
    real_open = image_reader.Image.open

    def guarded(path, *args, **kwargs):  # the suite may run as root, who reads every file: refuse one here
        if Path(path).name == "locked.png":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    Image.new("RGB", (9, 9)).save(root / "1" / "locked.png")
    monkeypatch.setattr(image_reader.Image, "open", guarded)
    monkeypatch.setattr(image_reader.Image, "MAX_IMAGE_PIXELS", 800)  # 30x30 = 900 pixels is over it
    data = images(root, size=8)
    assert sorted(data.info["skipped"]) == sorted(
        [
            "readme.md is not inside a class folder",
            "0/broken.jpg is truncated (the file ends before the image does)",
            "0/notes.txt is not an image",
            "0/garbage.png is not an image",
            "1/dangling.png is not a regular file (a broken or looping link, a device or a pipe)",
            "1/huge.png is 30x30 pixels, over Pillow's limit of 800 (a decompression bomb?)",
            "1/locked.png cannot be read (permission denied)",
            "1/loop links back to a folder already read (a loop)",
            "empty/ holds no images: not a class",
            "lonely/ holds one image: a class needs two (one to learn from, one to check)",
        ]
    )
    assert data.vocab == ["0", "1"] and len(data.train["y"]) + len(data.val["y"]) == 12
    assert data.note.startswith("pics: 12 images in 2 classes (0 6, 1 6); 10 left out: ")
    assert data.note.endswith(" and 7 more")


def test_unusual_pixels_are_read_as_a_viewer_shows_them(tmp_path: Path) -> None:
    root = tmp_path / "kinds"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    deep = np.full((8, 8), 40000, dtype=np.uint16)
    Image.fromarray(deep).save(root / "a" / "sixteen.png")  # 16-bit grey: 40000/65535 of white
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(root / "a" / "cmyk.jpg")  # red, in print colours
    clear = Image.new("RGBA", (8, 8), (0, 0, 255, 0))
    clear.save(root / "b" / "clear.png")  # wholly transparent: white
    palette = Image.new("P", (8, 8), 0)
    palette.putpalette([0, 200, 0] * 256)
    palette.save(root / "b" / "palette.gif")
    files = {name: image_reader.decode(path, 8, "crop", False) for name, path in _all(root)}
    assert abs(int(files["sixteen.png"][0, 0, 0]) - round(40000 / 65535 * 255)) <= 1
    assert files["cmyk.jpg"][4, 4, 0] > 200 and files["cmyk.jpg"][4, 4, 1] < 60
    assert (files["clear.png"] == 255).all()
    assert tuple(files["palette.gif"][0, 0]) == (0, 200, 0)


def _all(root: Path) -> list[tuple[str, Path]]:
    return [(path.name, path) for path in sorted(root.rglob("*")) if path.is_file()]


def test_a_folder_needs_two_classes_and_says_so(tmp_path: Path) -> None:
    root = digit_folder(tmp_path / "one", classes=(2,), per_class=4)
    with pytest.raises(DataError, match=r"one: needs at least two class folders with images \(found only 2/\)"):
        images(root)
    with pytest.raises(DataError, match="there is no such folder"):
        images(tmp_path / "missing")
    with pytest.raises(DataError, match="no image folder is set"):
        load_data(DatasetRef("images", {}))


def test_the_decoded_folder_is_cached_until_a_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = digit_folder(tmp_path / "digits", classes=(0, 1), per_class=5)
    seen: list[tuple[int, int]] = []
    with reading(lambda done, total: seen.append((done, total))):
        first = images(root, size=8)
    assert seen[-1] == (10, 10)
    assert len(list((tmp_path / "app-data" / "image-cache").glob("*.npz"))) == 1

    def never(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(image_folder, "decode_all", never)
    again = images(root, size=8)
    assert torch.equal(first.train["x"], again.train["x"]) and again.note == first.note
    Image.new("RGB", (8, 8), (255, 255, 255)).save(root / "1" / "000.png")  # changed: read again
    monkeypatch.undo()
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "app-data"))
    changed = images(root, size=8)
    assert not torch.equal(first.train["x"], changed.train["x"])


def test_augmentation_varies_training_batches_only() -> None:
    torch.manual_seed(0)
    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4)
    flipped = augmenter("flip")(x)
    for image, out in zip(x, flipped, strict=True):
        assert torch.equal(out, image) or torch.equal(out, image.flip(-1))
    assert augmenter("none") is None
    moved = augmenter("flip_shift")(torch.rand(64, 3, 16, 16))
    assert moved.shape == (64, 3, 16, 16)


def test_the_lecture_preset_trains_on_a_folder_of_the_classs_own(tmp_path: Path) -> None:
    project = load(PRESETS / "cnn-images.json")
    root = digit_folder(tmp_path / "ours", classes=(0, 1, 2, 3), per_class=8)
    project.dataset = DatasetRef("images", {**project.dataset.params, "folder": str(root)})
    trainer = Trainer(project)
    losses = [trainer.step().value for _ in range(5)]
    assert all(np.isfinite(losses)) and trainer.data.vocab == ["0", "1", "2", "3"]
    assert trainer.data.info["val_files"][0].split("/")[0] in {"0", "1", "2", "3"}


def test_check_reads_the_folder_as_train_does(tmp_path: Path) -> None:
    from playground.cli import main

    preset = json.loads((PRESETS / "cnn-images.json").read_text())
    root = digit_folder(tmp_path / "class-pictures", classes=(0, 1, 2, 3), per_class=6)
    (root / "3" / "notes.txt").write_text("x")
    preset["dataset"]["params"]["folder"] = "class-pictures"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(preset))
    import io

    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(path)], out, err) == 0
    assert out.getvalue().splitlines() == [
        f"{path}: ok",
        f"{path}: class-pictures: 24 images in 4 classes (0 6, 1 6, 2 6, 3 6); 1 left out: 3/notes.txt is not an image",
    ]
    assert "reading images: 25 of 25" in err.getvalue()
