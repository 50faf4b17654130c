"""Python's cyclic garbage collection runs in the GUI thread only, by construction: a collection in the
thread that receives the worker's messages could destroy Qt objects there and deadlock with the GUI
thread. Stressed: collection made as eager as it gets, cyclic garbage and Qt objects made and dropped
while a run streams its messages, and every collection's thread recorded."""

from __future__ import annotations

import json

from tests.runtime.test_orphan import run_offscreen

STRESS = """
import gc, json, threading, time
from PySide6.QtCore import QCoreApplication, QObject
from playground.core.project import load
from playground.runtime.session import TrainingSession
app = QCoreApplication([])
gc.set_threshold(5, 2, 2)  # were collection automatic, it would start at nearly every allocation
threads = []
gc.callbacks.append(lambda phase, info: threads.append(threading.current_thread().name) if phase == "start" else None)
session = TrainingSession()  # no window: the session alone must see to it
progress = []
session.progressed.connect(progress.append)
session.load(load("presets/mlp-spiral.json"), None, "cpu")
session.set_speed(0)
session.play()
end = time.monotonic() + 90
while len(progress) < 20 and time.monotonic() < end:  # a few seconds of streaming, once the run has started
    app.processEvents()
    for _ in range(300):
        cycle = []
        cycle.append(cycle)
        QObject().setObjectName("dropped")
    time.sleep(0.002)
session.shutdown()
gc.enable()  # a library turning collection back on: the next receiver turns it off before it runs
again = TrainingSession()
again.load(load("presets/mlp-xor.json"), None, "cpu")
automatic = gc.isenabled()
again.shutdown()
print(json.dumps({"progress": len(progress), "collections": sorted(set(threads)), "count": len(threads), "automatic": automatic}))
"""


def test_every_collection_runs_in_the_gui_thread_while_messages_stream() -> None:
    ended = run_offscreen(STRESS, timeout=180)
    assert ended.returncode == 0, ended.stderr[-2000:]
    seen = json.loads(ended.stdout.splitlines()[-1])
    assert seen["progress"] >= 20  # the run streamed its messages all along (a loaded machine: 37 in 90 s)
    assert seen["count"] >= 5  # collections happened, on the GUI thread's timer
    assert seen["collections"] == ["MainThread"], seen
    assert seen["automatic"] is False  # turned back on, then off again by the next receiver
