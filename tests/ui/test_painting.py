import sys

import pytest
from PySide6.QtGui import QImage, QPainter


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_painting_the_canvas_keeps_none_alive(window, spiral) -> None:
    """PySide6 6.12.0 dropped a reference to None on every void call; on Python 3.11 that aborts the app."""
    window.files.open_path(spiral)
    image = QImage(800, 600, QImage.Format.Format_ARGB32)
    before = sys.getrefcount(None)
    for _ in range(20):
        painter = QPainter(image)
        window.scene.render(painter)
        painter.end()
    assert sys.getrefcount(None) - before > -50
