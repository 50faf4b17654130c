"""Loading torch for a headless command, with Ctrl+C held until it is loaded: a SIGINT that arrived while
torch's C++ library loaded (about 50 ms of its import) was lost, and ``train`` then trained on as if it
had never been interrupted. Held, it is delivered the moment the import ends: the command stops with its
one line."""

from __future__ import annotations

import importlib
import signal
import sys
import threading


def load_torch() -> None:
    """Import torch (once), SIGINT held meanwhile where this thread can hold it."""
    if "torch" in sys.modules or threading.current_thread() is not threading.main_thread():
        return
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        importlib.import_module("torch")
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        importlib.import_module("torch")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
