"""The stage check: every preset in presentation mode on a 1280x720 and a 1920x1080 screen, screenshots
read back by text recognition (tesseract), as a camera in the last row would read them: the block
titles of the network, the lecture's views shown whole beside one another, and the canvas back as it
was after Esc. Slow (every preset is opened and trained a step at two sizes): run with
``pytest -m stage`` (needs ``tesseract``: apt-get install tesseract-ocr)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage

from playground.ui.theme import smallest_text_px

pytestmark = pytest.mark.stage
PRESETS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "presets").glob("*.json"))
SCREENS = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}
READ_SHARE = 0.8  # of the titles read back from the presented network
SCALES = (1, 2, 3)  # the crop is read as it is and enlarged
INSET = 4  # px: a card's border (a selected one's is 4 px) is left out of what is read (a header has none)
NOT_LETTERS = "()[]{}<>|/\\_-=+~*.,:;!?'\"‘’“”«»"


def read_line(image: QImage, rect: list[int], folder: Path, inset: int) -> list[tuple[str, float]]:
    """The words tesseract reads in ``rect`` of a screenshot (a block's title where it is drawn), each
    with its height in screen pixels. The crop is read in grey, as it is and enlarged (small text reads
    better enlarged, large text worse), as one line and as a block of text."""
    x, y, width, height = rect[0] + inset, rect[1] + inset, rect[2] - 2 * inset, rect[3] - 2 * inset
    grey = image.copy(QRect(x, y, width, height)).convertToFormat(QImage.Format.Format_Grayscale8)
    found = []
    for scale, mode in itertools.product(SCALES, ("7", "6")):
        crop = grey.scaled(width * scale, height * scale, mode=Qt.TransformationMode.SmoothTransformation)
        path = folder / "crop.png"
        assert crop.save(str(path))
        out = subprocess.run(
            ["tesseract", str(path), "-", "--psm", mode, "tsv"], capture_output=True, text=True, check=True
        ).stdout
        rows = [line.split("\t") for line in out.splitlines()[1:]]
        found += [(_word(r[11]), int(r[9]) / scale) for r in rows if len(r) == 12 and _word(r[11])]
    return found


def _word(text: str) -> str:
    """A word as read, without the marks a border or an arrow beside it is read as."""
    return text.strip().strip(NOT_LETTERS).casefold()


def titles_read(image: QImage, places: dict[str, list[int]], titles: dict[str, str], folder: Path, inset: int = 0):
    """The share of the blocks whose title (its first word) is read where it is drawn (``places``:
    block id -> its rectangle on the screenshot), and the height of the smallest title read (screen
    pixels; 0 if none)."""
    heights = []
    for block_id, rect in places.items():
        wanted = _word(titles[block_id].split()[0])
        read = [height for word, height in read_line(image, rect, folder, inset) if word == wanted]
        heights += [min(read)] if read else []
    return len(heights) / len(titles), min(heights, default=0.0)


@pytest.fixture(scope="module", params=list(SCREENS))
def screen(request, tmp_path_factory) -> tuple[str, Path, dict]:
    """Every preset presented on one screen size: the screenshots' folder and what was recorded."""
    if shutil.which("tesseract") is None:
        pytest.fail("the stage check reads the screen with tesseract: apt-get install tesseract-ocr")
    name = request.param
    width, height = SCREENS[name]
    folder = tmp_path_factory.mktemp(f"stage-{name}")
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": name, "x": 0, "y": 0, "width": width, "height": height}]}))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "PLAYGROUND_DATA_DIR": str(folder / "data"),
    }
    subprocess.run(
        [sys.executable, "-m", "tests.stage.shoot", str(folder), *PRESETS],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=900,
    )
    records = {r["preset"]: r for r in json.loads((folder / "stage.json").read_text())}
    return name, folder, records


def record_of(records: dict, preset: str) -> dict:
    if preset not in records:
        pytest.fail(f"{preset} was not shot (see the shooting process's output)")
    return records[preset]


@pytest.mark.parametrize("preset", PRESETS)
def test_the_presented_network_is_read_back_and_the_views_are_whole(screen, preset) -> None:
    name, folder, records = screen
    record = record_of(records, preset)
    height = SCREENS[name][1]
    image = QImage(str(folder / f"{preset}_present.png"))
    share, smallest = titles_read(image, record["cards"], record["titles"], folder, INSET)
    print(
        f"STAGE {name} {preset}: titles read {share:.0%}, smallest title {smallest:.0f} px, drawn at {record['title_px']} px"
    )
    assert record["title_px"] >= smallest_text_px(height) - 0.5
    assert share >= READ_SHARE, f"{preset} at {name}: {share:.0%} of the titles read"
    panel = QRect(*record["training"])
    shown = [QRect(*r) for r in record["views"].values()] + ([QRect(*record["curves"])] if record["curves"] else [])
    assert shown, "no view is shown"
    for rect in shown:
        assert panel.contains(rect), f"a view of {preset} goes past the training panel: {rect} in {panel}"
    for a, b in itertools.combinations(shown, 2):
        assert not a.intersects(b), f"two views of {preset} overlap"
    assert record["lecture"] == bool(record["follows"])  # the followed block's pictures are on the stage


@pytest.mark.parametrize("preset", PRESETS)
def test_after_esc_the_canvas_is_back_as_it_was(screen, preset) -> None:
    """Back at the zoom and place it had, where the titles of the blocks in view are read (a network
    opens no smaller than READABLE_ZOOM: on a small screen part of a large one is scrolled to)."""
    name, folder, records = screen
    record = record_of(records, preset)
    image = QImage(str(folder / f"{preset}_after.png"))
    in_view = {block_id: record["titles"][block_id] for block_id in record["headers"]}
    share, smallest = titles_read(image, record["headers"], in_view, folder) if in_view else (0.0, 0.0)
    print(
        f"CANVAS {name} {preset}: {len(in_view)}/{len(record['titles'])} blocks in view, their titles read "
        f"{share:.0%}, smallest {smallest:.0f} px"
    )
    assert record["canvas_back"]
    assert in_view and share >= READ_SHARE
