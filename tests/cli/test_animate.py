"""``playground animate DIR --view VIEW -o FILE``: a recorded run drawn step by step by the app's own views,
offscreen, into an animation whose frames are the keyframes asked for; what cannot be drawn or written is
refused in one line, and nothing on disk is replaced unasked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from playground.runtime.animation import MAX_FRAMES, VIEWS, frames_of
from tests.cli.test_cli import run
from tests.ui.test_open_run import recorded_spiral


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return recorded_spiral(tmp_path_factory.mktemp("animate"))[1]


def animate(*argv: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a process of its own (it makes a window, offscreen)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    command = [sys.executable, "-m", "playground", "animate", *argv]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)


def steps_of(folder: Path) -> list[int]:
    return [entry["step"] for entry in json.loads((folder / "run.json").read_text())["keyframes"]]


def test_the_input_plane_of_a_recorded_spiral_becomes_a_gif_of_its_keyframes(recorded: Path, tmp_path: Path) -> None:
    target = tmp_path / "plane.gif"
    done = animate(str(recorded), "--view", "plane", "-o", str(target), "--from", "5", "--to", "300", "--fps", "20")
    assert done.returncode == 0, done.stderr
    wanted = frames_of(steps_of(recorded), 5, 300)
    assert wanted[0] == 5 and wanted[-1] == 300 and len(wanted) > 10
    assert done.stdout.strip() == f"wrote {len(wanted)} frames (steps 5 to 300) to {target}"
    with Image.open(target) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(wanted) and gif.info["loop"] == 0
        assert gif.info["duration"] == 50, "20 frames a second"
        frames = []
        for number in range(gif.n_frames):
            gif.seek(number)
            frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
    width, height = gif.size
    assert 200 < width < 1280 and 150 < height < 720, "the plane as the window at 1280x720 draws it"
    assert len({frame.tobytes() for frame in frames}) == len(frames), "each step drawn as it was"
    changed = [(np.abs(frame - frames[0]).max(axis=2) > 30).mean() for frame in frames]
    assert max(changed) > 0.2, "the boundary moves over a good part of the plane"
    assert len(np.unique(frames[-1].reshape(-1, 3), axis=0)) > 20, "a drawn plane, not an empty frame"


def test_a_view_the_run_does_not_show_is_refused_naming_those_it_shows(recorded: Path, tmp_path: Path) -> None:
    target = tmp_path / "p.gif"
    done = animate(str(recorded), "--view", "predictions", "-o", str(target), "--to", "10")
    assert done.returncode == 1, done.stderr
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith("'predictions' is not shown by this run; it shows: ")
    assert "plane" in said and "neurons" in said and "curves" in said and "predictions," not in said
    assert not target.exists()


def test_what_cannot_be_animated_is_said_in_one_line_and_nothing_is_replaced(recorded: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept.gif"
    kept.write_bytes(b"the user's")
    code, _, err = run("animate", str(recorded), "--view", "plane", "-o", str(kept))
    assert (code, err.strip()) == (2, f"{kept}: exists; --force replaces it") and kept.read_bytes() == b"the user's"
    code, _, err = run("animate", str(recorded), "--view", "plane", "-o", str(tmp_path / "a.mp4"))
    assert (code, err.strip()) == (1, f"{tmp_path / 'a.mp4'}: an animation is written as .gif, .webp, .png, not '.mp4'")
    code, _, err = run("animate", str(recorded), "--view", "plane", "-o", str(tmp_path / "a.gif"), "--from", "700")
    assert (
        code == 1
        and err.strip() == f"{recorded}: keeps no step from 700 to the end (its keyframes are at steps 0 to 600)"
    )
    code, _, err = run("animate", str(tmp_path), "--view", "plane", "-o", str(tmp_path / "a.gif"))
    assert code == 2 and err.strip().startswith(f"{tmp_path / 'run.json'}: not found")
    code, _, err = run("animate", str(recorded), "--view", "plane", "-o", str(tmp_path / "a.gif"), "--fps", "60")
    assert code == 1 and "--fps 60: must be from 1 to 50" in err
    assert not (tmp_path / "a.gif").exists()


def test_the_help_lists_every_view_id_and_a_long_run_is_sampled_evenly_with_its_ends() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "playground", "animate", "--help"], capture_output=True, text=True, check=True
    )
    for view in VIEWS:
        assert f"\n  {view} " in done.stdout
    assert "plane" in VIEWS and "stage" in VIEWS
    many = list(range(0, 5000, 5))
    chosen = frames_of(many, 100, 4000)
    assert len(chosen) == MAX_FRAMES and chosen[0] == 100 and chosen[-1] == 4000
    gaps = np.diff(chosen)
    assert gaps.max() - gaps.min() <= 5, "evenly"
