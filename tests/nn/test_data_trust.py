"""A dataset path from a stranger's project reads only what it should: regular files (a pipe or /dev/tty
would wait for ever, /proc's files hang or fail), nothing outside an image folder through its links, no
folder too large to decode, and a damaged image cache is read again, never raised."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.core.project_types import DatasetRef
from playground.nn.data import image_folder
from playground.nn.data.base import DataError, load_data
from tests.image_folders import digit_folder


@pytest.fixture(autouse=True)
def cache_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "app-data"))


def images(folder: Path, **params) -> object:
    return load_data(DatasetRef("images", {"folder": str(folder), "size": 8, **params}))


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_only_regular_files_with_something_in_them_are_read(tmp_path: Path, kind: str) -> None:
    pipe = tmp_path / f"pipe.{kind}"
    os.mkfifo(pipe)
    link = tmp_path / f"tty.{kind}"
    link.symlink_to("/dev/null")  # a device, as /dev/tty is (which waited for the keyboard)
    refused = {
        pipe: "is not a regular file",
        link: "is not a regular file",
        Path("/proc/self/mem"): "is empty",  # it gave a traceback
        Path("/proc/kmsg"): "is empty",  # it hung check
    }
    for path, said in refused.items():
        started = time.monotonic()
        with pytest.raises(DataError, match=said) as caught:
            load_data(DatasetRef(kind, {"path": str(path)}))
        assert str(path) in str(caught.value) and time.monotonic() - started < 5


def test_links_out_of_an_image_folder_are_left_out_and_named(tmp_path: Path) -> None:
    root = digit_folder(tmp_path / "pics", classes=(0, 1), per_class=4, kinds="png")
    (root / "usr").symlink_to("/usr")  # a class folder reading 125,882 files of the system
    outside = digit_folder(tmp_path / "elsewhere", classes=(7,), per_class=2, kinds="png")
    (root / "1" / "seven.png").symlink_to(outside / "7" / "000.png")
    (root / "1" / "copy.png").symlink_to(root / "0" / "000.png")  # inside the folder: followed
    (root / "1" / "self").symlink_to(root / "1" / "self")  # loops on itself: left out alone
    data = images(root)
    assert sorted(data.info["skipped"]) == [
        "1/self is not a regular file (a broken or looping link, a device or a pipe)",
        f"1/seven.png links outside the folder (to {outside / '7' / '000.png'}), left out",
        "usr links outside the folder (to /usr), left out",
    ]
    assert data.vocab == ["0", "1"] and len(data.train["y"]) + len(data.val["y"]) == 9  # 1/ holds the copy


def test_a_folder_too_large_is_refused_before_a_single_image_is_decoded(tmp_path: Path, monkeypatch) -> None:
    root = digit_folder(tmp_path / "pics", classes=(0, 1), per_class=5, kinds="png")

    def never(*args):
        raise AssertionError("decoded before counting")

    monkeypatch.setattr(image_folder, "decode_all", never)
    monkeypatch.setattr(image_folder, "MAX_VALUES", 10 * 8 * 8 * 3 - 1)
    with pytest.raises(DataError, match=r"10 files of 8x8x3 would be more than 1 GiB"):
        images(root)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def damaged_caches(good: bytes) -> dict[str, bytes]:
    """Ways a cache file is found damaged: cut by a kill, written by another program, or whole but with
    parts that do not fit together."""
    with np.load(io.BytesIO(good), allow_pickle=False) as archive:
        parts = {name: archive[name] for name in archive.files}
    meta = json.loads(parts["meta"].tobytes().decode())

    def with_meta(**changes) -> bytes:
        text = json.dumps({**meta, **changes}).encode()
        return _npz(**{**parts, "meta": np.frombuffer(text, dtype=np.uint8)})

    rng = np.random.default_rng(0)
    return {
        "cut short": good[: len(good) // 2],
        "empty": b"",
        "random bytes": rng.bytes(500),
        "a zip of something else": _zip_of_text(),
        "no meta": _npz(**{k: v for k, v in parts.items() if k != "meta"}),
        "meta not JSON": _npz(**{**parts, "meta": np.frombuffer(b"{nope", dtype=np.uint8)}),
        "meta a list": _npz(**{**parts, "meta": np.frombuffer(b"[1, 2]", dtype=np.uint8)}),
        "classes not text": with_meta(classes=[1, 2]),
        "files one short": with_meta(files=meta["files"][:-1]),
        "split not a truth value": with_meta(split_folders="no"),
        "images as floats": _npz(**{**parts, "images": parts["images"].astype(np.float32)}),
        "images of another size": _npz(**{**parts, "images": parts["images"][:, :4]}),
        "labels past the classes": _npz(**{**parts, "labels": parts["labels"] + 5}),
        "labels one short": _npz(**{**parts, "labels": parts["labels"][:-1]}),
        "a pickled array": _npz(**{**parts, "in_val": np.array([object()] * len(parts["in_val"]), dtype=object)}),
    }


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("images.npy", "hello")
    return buffer.getvalue()


def test_a_damaged_image_cache_is_read_again(tmp_path: Path) -> None:
    root = digit_folder(tmp_path / "pics", classes=(0, 1), per_class=4, kinds="png")
    first = images(root)
    (cached,) = (tmp_path / "app-data" / "image-cache").glob("*.npz")
    good = cached.read_bytes()
    for how, damaged in damaged_caches(good).items():
        cached.write_bytes(damaged)
        again = images(root)
        assert torch.equal(again.train["x"], first.train["x"]) and again.vocab == first.vocab, how
        assert cached.read_bytes() == good, f"{how}: the cache was not written again"


def test_a_cache_file_left_half_written_by_a_kill_is_removed(tmp_path: Path) -> None:
    cache = tmp_path / "app-data" / "image-cache"
    cache.mkdir(parents=True)
    left = cache / ".0123.npz.abcd.tmp"
    left.write_bytes(b"half")
    hour_ago = time.time() - 2 * image_folder.PARTIAL_AGE
    os.utime(left, (hour_ago, hour_ago))
    writing = cache / ".4567.npz.efgh.tmp"  # another process writing now: left alone
    writing.write_bytes(b"busy")
    images(digit_folder(tmp_path / "pics", classes=(0, 1), per_class=3, kinds="png"))
    assert not left.exists() and writing.exists()


def test_a_cached_folder_names_only_what_is_left_out_now(tmp_path: Path, monkeypatch) -> None:
    root = digit_folder(tmp_path / "pics", classes=(0, 1), per_class=3, kinds="png")
    (root / "readme.md").write_text("loose")
    (root / "0" / "notes.txt").write_text("not a picture")
    assert sorted(images(root).info["skipped"]) == [
        "0/notes.txt is not an image",
        "readme.md is not inside a class folder",
    ]
    (root / "readme.md").unlink()  # not in the cache's key: the pixels stay cached

    def never(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(image_folder, "decode_all", never)
    assert images(root).info["skipped"] == ["0/notes.txt is not an image"]
