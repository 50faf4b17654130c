"""Shared test set-up: Qt renders offscreen, so the suite runs without a display; torch computes on one
thread in the test process; what the app keeps (settings, the image-folder cache) goes to a temporary
folder, never the user's, one per test process (the suite runs in pytest-xdist's workers)."""

import os
import tempfile

import pytest
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "PLAYGROUND_DATA_DIR" not in os.environ or os.environ.get("PYTEST_XDIST_WORKER"):
    # each of pytest-xdist's workers its own (they inherit the controller's environment)
    os.environ["PLAYGROUND_DATA_DIR"] = tempfile.mkdtemp(prefix="playground-tests-")


@pytest.fixture(autouse=True)
def one_torch_thread() -> None:
    """Networks trained in the test process compute on one thread, as Playground chooses for small
    networks (nn/threads.py): torch's default of a thread per core makes every test fight whatever else
    runs for both cores. Tests of the thread policy set their own count."""
    torch.set_num_threads(1)
