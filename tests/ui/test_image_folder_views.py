"""The class's own pictures in the window: Browse… to a folder shows a strip of each class's images with
the counts; training shows validation images with the network's guesses, the wrong ones marked."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QWidget

from playground.host import PRESETS
from tests.image_folders import digit_folder

FIRST = 60_000  # ms: the worker's first load imports torch
LEFT = Qt.MouseButton.LeftButton


def test_browsing_to_a_folder_shows_its_classes_and_training_shows_the_guesses(qtbot, window, tmp_path, monkeypatch):
    root = digit_folder(tmp_path / "class-photos", classes=(0, 1, 2, 3), per_class=9)
    (root / "2" / "notes.txt").write_text("not a picture")
    assert window.files.open_path(PRESETS / "cnn-images.json")
    form = window.training.controls.settings
    qtbot.waitUntil(lambda: "folder" in form.dataset_editors, timeout=FIRST)  # once the worker lists datasets
    qtbot.waitUntil(lambda: form.thumbnails.isVisible(), timeout=FIRST)  # the preset's own folder, read
    assert "600 images in 4 classes" in form.thumbnails.summary.text()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(root))
    qtbot.mouseClick(form.findChild(QPushButton, "browseDataset"), LEFT)
    assert window.document.project.dataset.params["folder"] == str(root)
    assert not form.thumbnails.isVisible()  # the preset's pictures are not this folder's
    window.training.transport.play_button.click()
    strip = form.thumbnails
    qtbot.waitUntil(lambda: strip.isVisible() and strip.shown.dataset == window.document.project.dataset, timeout=FIRST)
    assert strip.summary.text() == (
        "class-photos: 36 images in 4 classes (0 9, 1 9, 2 9, 3 9); 1 left out: 2/notes.txt is not an image"
    )
    names = [strip.findChild(QLabel, f"thumbnailClass_{row}").text() for row in range(4)]
    assert names == ["0  9", "1  9", "2  9", "3  9"]
    pictures = [label for label in strip.findChildren(QLabel) if label.pixmap() and not label.pixmap().isNull()]
    assert len(pictures) == 4 * 7  # the training images of each class (two of nine are for validation)
    view = window.training.views.predictions_view
    qtbot.waitUntil(lambda: view.isVisible() and view.last is not None, timeout=FIRST)
    shown = view.last
    assert len(shown.images) == 8 and shown.classes == ("0", "1", "2", "3")
    visible = [i for i, (picture, _) in enumerate(view.tiles) if not picture.isHidden()]
    assert visible == list(range(len(visible))) and visible  # as many as fit the pane, in order
    wrong = int(np.sum(shown.predicted[: len(visible)] != shown.truth[: len(visible)]))
    assert view.title.text() == f"Validation images: the network's guess ({wrong} of {len(visible)} wrong, in red)"
    for i in visible:
        picture, caption = view.tiles[i]
        guess, truth = shown.classes[shown.predicted[i]], shown.classes[shown.truth[i]]
        expected = f"✓ {guess}" if guess == truth else f"✗ {guess}\n(is {truth})"
        assert caption.text() == expected and not picture.pixmap().isNull()


def test_a_confusion_cell_clicked_opens_the_images_behind_it(qtbot, window, tmp_path):
    from PySide6.QtCore import QPointF

    from tests.ui.conftest import click_block
    from tests.ui.test_training import pause, play_until

    assert window.files.open_path(PRESETS / "cnn-images.json")
    play_until(qtbot, window, 20)
    pause(qtbot, window)
    click_block(qtbot, window, "output_1")
    view = window.block_view
    qtbot.waitUntil(lambda: view.confusion is not None and view.image_plot.isVisible(), timeout=FIRST)
    assert view.cells_open and "Click a cell" in view.image_plot.toolTip()
    box = view.image_plot.getPlotItem().getViewBox()
    dialog = window.findChild(QWidget, "cellImages")
    for row, column in ((0, 0), (2, 1)):  # circle as circle; star taken for a square
        scene_point = box.mapViewToScene(QPointF(column + 0.5, row + 0.5))
        qtbot.mouseClick(view.image_plot.viewport(), LEFT, pos=view.image_plot.mapFromScene(scene_point))
        qtbot.waitUntil(
            lambda r=row, c=column: (
                dialog.isVisible() and dialog.shown and (dialog.shown.true, dialog.shown.predicted) == (r, c)
            ),
            timeout=FIRST,
        )
        cell = dialog.shown
        classes = ("circle", "square", "star", "triangle")
        assert cell.classes == classes
        assert cell.count == window.live.last.detail.confusion[row, column]  # the count the matrix shows
        pictures = [label for label in dialog.findChildren(QLabel) if label.pixmap() and not label.pixmap().isNull()]
        assert len(pictures) == len(cell.images) == min(cell.count, 48)
        assert all(file.startswith(f"{classes[row]}/") for file in cell.files)
        title = dialog.findChild(QLabel, "cellImagesTitle").text()
        what = "recognised as circle" if row == column else "taken for square"
        assert title.startswith(f"{cell.count:,} validation image") and what in title
