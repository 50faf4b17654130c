"""Saved files keep the user's permissions: a new file the umask's mode, an existing file its own."""

import os
import stat
from pathlib import Path

import pytest

from playground.core.files import atomic_write
from playground.core.project_types import Project
from playground.core.project_write import save


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_project_file_gets_the_umask_mode(tmp_path: Path, umask_022) -> None:
    target = tmp_path / "new.json"
    save(Project(), target)
    assert mode(target) == 0o644


def test_an_existing_file_keeps_its_mode(tmp_path: Path, umask_022) -> None:
    target = tmp_path / "shared.json"
    target.write_text("{}")
    os.chmod(target, 0o664)
    save(Project(), target)
    assert mode(target) == 0o664 and target.read_text().startswith("{\n")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "keep.json"
    target.write_text("old")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]
