"""What an animation of a recorded run can show and which of its steps it draws (Qt-free: the command
line checks its arguments before a window is made). The window's side is ui/animation.py."""

from __future__ import annotations

from collections.abc import Sequence

from playground.runtime.live_views import CURVE, KINDS

FORMATS = {".gif": "GIF", ".webp": "WEBP", ".png": "PNG"}  # Pillow's animated formats (.png: APNG)
MAX_FRAMES = 300  # a run with more keyframes is sampled evenly (300 frames: half a minute at 10 a second)
FPS_RANGE = (1.0, 50.0)  # a GIF counts time in hundredths of a second: 50 frames a second at most

# The views an animation can show, by id: the window's own, then the live views (runtime/live_views.py)
# but the 1-D function, which the plane's widget draws.
WINDOW_VIEWS = {
    "window": "the whole window, as it is laid out at --size",
    "stage": "the whole window in presentation, as the class sees it",
    "curves": "the loss and metric curves, with the timeline's cursor",
    "network": "the network on the canvas, with each unit's heatmap and the gradient flow",
    "plane": "the input plane: the decision boundary over a 2-D input (over a 1-D input: the function)",
    "neurons": "every neuron over the input plane (a 2-D input)",
    "text": "the text a language model writes",
}
VIEWS = WINDOW_VIEWS | {kind.id: kind.title for kind in KINDS.values() if kind is not CURVE}  # the plane draws it


def frames_of(steps: Sequence[int], first: int | None = None, last: int | None = None) -> list[int]:
    """The recorded ``steps`` from ``first`` to ``last`` (both included; None: the run's end), at most
    MAX_FRAMES of them spread evenly, the first and the last always among them."""
    chosen = [s for s in steps if (first is None or s >= first) and (last is None or s <= last)]
    if len(chosen) <= MAX_FRAMES:
        return chosen
    picks = sorted({round(i * (len(chosen) - 1) / (MAX_FRAMES - 1)) for i in range(MAX_FRAMES)})
    return [chosen[i] for i in picks]
