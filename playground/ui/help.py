"""The Help menu's windows: every keyboard shortcut (read from the window's actions), getting started,
the documentation, and About (the versions of Playground, torch and Qt, and the devices)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from playground.host import VERSION, bundled

GETTING_STARTED = """
# Getting started

1. **Open a lecture example**: File > Open Preset… (Ctrl+Shift+O). Each opens with its lecture note
   (the Lecture notes tab) and its data already on screen.
2. **Train it**: press **Play** (or Space) in the Training panel. Watch the loss fall, the decision
   boundary form and every neuron's picture change. Pause, Step one batch, Reset to the same start.
3. **Turn a knob while it trains**: the learning rate slider, the batch size, the optimiser.
4. **Change the network**: drag blocks from the Blocks palette onto the canvas, and drag from an output
   port (right side) to an input port (left side) to wire them. Sizes set to *auto* follow the wire.
   Click a block to edit it in the Inspector; right-click it for more. Ctrl+Z undoes anything.
5. **Keep your work**: File > Save As… (presets are never overwritten: they open as copies).
"""


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for every action that has a shortcut, in menu wording."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys and action.text():
            rows.append((action.text().replace("&", ""), " or ".join(keys)))
    return sorted(set(rows))


def shortcuts_markdown(actions: list[QAction]) -> str:
    rows = shortcut_rows(actions)
    lines = ["# Keyboard shortcuts", "", "| action | keys |", "|---|---|"]
    lines += [f"| {what} | {keys} |" for what, keys in rows]
    lines += [
        "",
        "On the canvas: hold **Space** and drag to pan, a short tap on Space plays or pauses; the mouse wheel "
        "zooms; arrow keys nudge the selected blocks. In a field: **Return** commits and goes back to the "
        "canvas, **Esc** cancels the edit.",
    ]
    return "\n".join(lines)


def documentation_markdown() -> str:
    """The README and the docs of this Playground (a checkout's; an installed copy points to them)."""
    docs = bundled("docs")
    files = [bundled("docs").parent / "README.md", *sorted(docs.glob("*.md"))] if docs.is_dir() else []
    texts = [path.read_text(encoding="utf-8") for path in files if path.is_file()]
    if not texts:
        return (
            "# Documentation\n\nThis installed copy carries no documentation files. The command line describes "
            "itself: `playground --help`, `playground blocks --markdown`, `playground datasets --markdown`."
        )
    return "\n\n---\n\n".join(texts)


def about_markdown(devices: list[str] | None) -> str:
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "not installed"
    found = ", ".join(devices) if devices else "cpu (the training process is still starting)"
    return (
        f"# Playground {VERSION}\n\nBuild neural networks from blocks and watch them train, with real PyTorch.\n\n"
        f"- PyTorch {torch_version}\n- Qt {qVersion()} (PySide6 {PySide6.__version__})\n- Devices: {found}\n"
        f"- Presets and data: {Path(bundled('presets'))}\n"
    )


class TextWindow(QDialog):
    """A read-only page of Markdown with a Close button."""

    def __init__(self, title: str, markdown: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(720, 560)
