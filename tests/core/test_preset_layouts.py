"""Every preset opens with its blocks apart: none drawn over another (a group's stack included)."""

import pytest

from playground.core.project import load
from tests.core.test_project import PRESETS

WIDTH, HEIGHT, STACK = 184.0, 78.0, 8.0  # a block's smallest outline on the canvas, and a group's stack


@pytest.mark.parametrize("path", sorted(PRESETS.glob("*.json")), ids=lambda p: p.stem)
def test_no_block_of_a_preset_is_drawn_over_another(path) -> None:
    graph = load(path).graph
    boxes = {
        b.id: (
            b.x,
            b.y - (STACK if b.graph is not None else 0),
            b.x + WIDTH + (STACK if b.graph is not None else 0),
            b.y + HEIGHT,
        )
        for b in graph.blocks.values()
    }
    ids = sorted(boxes)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes[a], boxes[b]
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, f"{a} and {b} overlap"
