"""The window says only what is so and loses nothing: a Save reports the trained weights only once they
are on disk (and says when they could not be written, or were lost with the training process), the
notes a file cannot hold are refused by Save with the file left as it was, typing notes does not
pause training, and damaged settings, autosaves or My blocks never stop the app from starting."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPlainTextEdit, QPushButton

from playground.core.project import MAX_TEXT
from playground.ui.main_window import MainWindow
from playground.ui.window_imports import KEPT_OUTPUT
from tests.ui.conftest import PRESETS
from tests.ui.test_trained_weights import fill_export, weights_of
from tests.ui.test_training import LATER, click, pause, play_until, step_of

CTRL = Qt.KeyboardModifier.ControlModifier


def test_weights_that_cannot_be_written_are_said_and_closing_still_asks(qtbot, window, spiral, dialogs) -> None:
    weights_of(spiral).mkdir()  # in the way of the file: the write fails, as on a full disk
    assert window.files.open_path(spiral)
    play_until(qtbot, window, 20)
    trained = pause(qtbot, window)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert "writing its trained weights" in window.statusBar().currentMessage()  # not yet claimed
    qtbot.waitUntil(lambda: "but not its trained weights" in window.statusBar().currentMessage(), timeout=LATER)
    assert any("spiral.json was saved, but not its trained weights" in text for text in dialogs.asked)
    assert window.exports.unsaved_training() == trained  # still to be saved: closing asks
    assert "saved before" not in window.statusBar().currentMessage()  # nothing was: nothing is said kept


@pytest.mark.fresh_worker  # a new worker is started after the death, as in the app
def test_save_after_the_training_process_died_claims_no_weights(qtbot, window, spiral, dialogs) -> None:
    assert window.files.open_path(spiral)
    play_until(qtbot, window, 20)
    pause(qtbot, window)
    window.session.process.kill()
    qtbot.waitUntil(lambda: window.training.transport.message.isVisible(), timeout=LATER)
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Saved {spiral}, without trained weights: they were lost"), message
    qtbot.wait(300)
    assert not weights_of(spiral).exists() and window.exports.unsaved_training() == 0
    target = spiral.with_name("model.py")
    fill_export(qtbot, "python", target, [])  # an export is made by the training process: said, not hung
    qtbot.keyClick(window.view, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: any("The training process ended" in text for text in dialogs.asked), timeout=LATER)
    assert not target.exists()


def test_notes_a_file_cannot_hold_are_said_and_save_leaves_the_file(qtbot, window, spiral, dialogs) -> None:
    assert window.files.open_path(spiral)
    before = spiral.read_bytes()
    editor = window.findChild(QPlainTextEdit, "notesEditor")
    editor.setFocus()
    QApplication.clipboard().setText("x" * (MAX_TEXT + 1))
    qtbot.keyClick(editor, Qt.Key.Key_End, CTRL)
    qtbot.keyClick(editor, Qt.Key.Key_V, CTRL)
    warning = window.findChild(QLabel, "notesTooLong")
    qtbot.waitUntil(warning.isVisible, timeout=LATER)
    assert "a project holds at most 100,000" in warning.text()
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert any("notes: is too long" in text and "Nothing was written" in text for text in dialogs.asked)
    assert spiral.read_bytes() == before and window.document.modified


def test_typing_lecture_notes_does_not_pause_training(qtbot, window, spiral) -> None:
    assert window.files.open_path(spiral)
    play_until(qtbot, window, 10)
    editor = window.findChild(QPlainTextEdit, "notesEditor")
    qtbot.keyClicks(editor, "Point at the boundary.")
    qtbot.wait(900)  # past the moment typing becomes an edit
    start = step_of(window)
    qtbot.waitUntil(lambda: step_of(window) > start + 10, timeout=LATER)
    assert window.session.state == "running" and not window.training.transport.banner.isVisible()
    assert window.document.project.notes.startswith("Point at the boundary.")
    pause(qtbot, window)


def test_damaged_settings_autosaves_and_my_blocks_never_stop_the_start(qtbot, data_dir: Path, dialogs) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.json").write_text(
        json.dumps(
            {
                "ui_scale": "nan",
                "recent": 5,
                "geometry": "garbage",
                "windowState": {"base64": "not base64!"},
                "threads": "abc",
                "save_weights": "maybe",
                "theme": {"py/object": "os.system"},
            }
        )
    )
    recovery = data_dir / "recovery"
    recovery.mkdir()
    (recovery / "a.json").write_text("[]")
    (recovery / "b.json").write_text("5")
    (recovery / "c.json").write_text(json.dumps({"original": "x\0y", "saved_at": 1.0, "project": "{}"}))
    (recovery / "d.json").write_bytes(os.urandom(300))
    os.mkfifo(recovery / "e.json")
    (recovery / "f.json").symlink_to("/dev/zero")
    blocks = data_dir / "blocks"
    blocks.mkdir()
    os.mkfifo(blocks / "pipe.json")
    (blocks / "zero.json").symlink_to("/dev/zero")
    start = time.monotonic()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.files.offer_recovery() is False
    assert time.monotonic() - start < 30
    kept = sorted(p.name.split("-")[0] for p in (recovery / "damaged").iterdir())
    assert kept == ["a", "b", "c", "d", "e", "f"]  # set aside, none deleted, none offered
    assert "damaged autosave" in window.statusBar().currentMessage()
    assert not dialogs.asked
    entries = window.palette_widget.tree.entries
    for name in ("pipe", "zero"):
        assert not entries[name].flags() & Qt.ItemFlag.ItemIsEnabled
        assert "is not a regular file" in entries[name].toolTip(0)
    window.close()


def test_an_import_that_never_ends_can_be_cancelled(qtbot, window, tmp_path: Path, dialogs) -> None:
    source = tmp_path / "forever.py"
    source.write_text("while True:\n    pass\n")
    window.imports.run_import([f"{source}:Model", "-o", str(tmp_path / "never.json")], tmp_path / "never.json")
    cancel = window.findChild(QPushButton, "cancelImport")
    qtbot.waitUntil(cancel.isVisible, timeout=LATER)
    assert not window.imports.act_import.isEnabled()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert window.imports.act_import.isEnabled() and not cancel.isVisible()
    assert "cancelled" in window.statusBar().currentMessage() and not (tmp_path / "never.json").exists()


def test_an_autosave_that_cannot_be_restored_is_set_aside_and_not_offered_again(qtbot, window, dialogs) -> None:
    record = {"original": None, "saved_at": 1.0, "project": '{"format": "playground-project"}'}
    (window.files.recovery.folder / "bad.json").write_text(json.dumps(record))
    dialogs.answer = QMessageBox.StandardButton.Yes
    assert window.files.offer_recovery() is False
    assert any("format_version" in text and "set aside" in text for text in dialogs.asked)
    assert not (window.files.recovery.folder / "bad.json").exists()
    assert [p.name.split("-")[0] for p in (window.files.recovery.folder / "damaged").iterdir()] == ["bad"]
    asked = len(dialogs.asked)
    assert window.files.offer_recovery() is False and len(dialogs.asked) == asked  # not offered again


def test_a_picture_onto_a_full_disk_keeps_the_one_there(qtbot, window, spiral, tmp_path: Path, monkeypatch) -> None:
    import errno

    assert window.files.open_path(spiral)
    picture = tmp_path / "net.png"
    assert window.view.save_picture(picture)
    before = picture.read_bytes()
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if self.name.endswith(".tmp"):
            real(self, data[:100])
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    assert window.view.save_picture(picture) is False
    assert picture.read_bytes() == before and [p.name for p in tmp_path.glob("*.tmp")] == []


def test_an_import_that_prints_for_ever_keeps_only_its_last_lines(qtbot, window, tmp_path: Path, dialogs) -> None:
    """A module writing to stdout and stderr in a loop: the window buffered all of it (4.6 GB at 60 s)."""
    source = tmp_path / "chatty.py"
    source.write_text(
        "import itertools, sys\nfor line in itertools.count():\n"
        "    print(f'{line:09d}', 'x' * 1000)\n    print('y' * 1000, file=sys.stderr)\n"
    )
    window.imports.run_import([f"{source}:Model", "-o", str(tmp_path / "never.json")], tmp_path / "never.json")
    process = window.imports.importer
    qtbot.waitUntil(lambda: len(window.imports.output.data) >= KEPT_OUTPUT, timeout=LATER)
    qtbot.wait(1500)  # megabytes more go by
    assert len(window.imports.output.data) == KEPT_OUTPUT and len(window.imports.errors.data) <= KEPT_OUTPUT
    assert process.bytesAvailable() < 4 * KEPT_OUTPUT  # read as it comes, not piled up in QProcess
    kept = bytes(window.imports.output.data).splitlines()[1:]  # the first may be cut
    assert int(kept[0][:9]) > 2 * KEPT_OUTPUT // 1000  # what came last, not the first 64 KiB
    qtbot.mouseClick(window.findChild(QPushButton, "cancelImport"), Qt.MouseButton.LeftButton)
    assert window.imports.importer is None


def test_closing_the_window_stops_a_running_import(qtbot, window, tmp_path: Path, dialogs) -> None:
    """The window closed while a module's import ran: its process outlived the window and fed its output
    to deleted objects (``Internal C++ object (QProcess) already deleted`` in the next window)."""
    source = tmp_path / "slow.py"
    source.write_text("import time\nwhile True:\n    print('still here', flush=True)\n    time.sleep(0.05)\n")
    window.imports.run_import([f"{source}:Model", "-o", str(tmp_path / "never.json")], tmp_path / "never.json")
    qtbot.waitUntil(lambda: b"still here" in window.imports.output.data, timeout=LATER)
    pid = window.imports.importer.processId()
    window.close()
    assert window.imports.importer is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_play_while_the_training_process_starts_says_so(qtbot, window, spiral) -> None:
    """The status said "Not started: press Play" after Play until the process was ready (45 s on a busy
    machine)."""
    assert window.files.open_path(spiral)
    status = window.training.transport.status
    assert status.text() == "Not started: press Play" and window.session.state != "ready"  # nothing answered yet
    click(qtbot, window.training.transport.play_button)
    assert status.text().startswith("Starting: the training process reads the data"), status.text()
    qtbot.waitUntil(lambda: step_of(window) > 5, timeout=LATER)
    assert not status.text().startswith(("Starting", "Not started"))
    pause(qtbot, window)


def test_a_project_reading_data_outside_its_folder_asks_before_anything_is_read(
    qtbot, window, tmp_path: Path, dialogs
) -> None:
    """A CSV dataset at /dev/tty waited for the keyboard; another's folder of photos was read unasked."""
    project = json.loads((PRESETS / "mlp-spiral.json").read_text())
    project["dataset"] = {"id": "csv", "params": {"path": "/dev/tty"}}
    stranger = tmp_path / "from-a-stranger" / "homework.json"
    stranger.parent.mkdir()
    stranger.write_text(json.dumps(project))
    dialogs.answer = QMessageBox.StandardButton.Cancel
    assert not window.files.open_path(stranger)
    assert "reads its data from outside its own folder:\n\n/dev/tty\n\n" in dialogs.asked[-1]
    assert window.document.path != stranger
    assert window.session.project is None or window.session.project.dataset.id != "csv"  # nothing read
    project["dataset"] = {"id": "csv", "params": {"path": "data/points.csv"}}  # inside its folder: not asked
    stranger.write_text(json.dumps(project))
    asked = len(dialogs.asked)
    assert window.files.open_path(stranger) and len(dialogs.asked) == asked
