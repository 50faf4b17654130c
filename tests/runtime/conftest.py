"""The training worker's loop on a thread of the test process, driven through its command pipe (no Qt)."""

from __future__ import annotations

import multiprocessing
import threading
import time

import numpy as np
import pytest

from playground.nn.live.worker import WorkerLoop
from playground.runtime import protocol as p
from playground.runtime.messages import Progress


class Worker:
    """A WorkerLoop on a thread of this process, with every message it sends kept in order."""

    def __init__(self) -> None:
        receive, self.commands = multiprocessing.Pipe(duplex=False)
        self.messages: list[object] = []
        self.sent = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=WorkerLoop(receive, self._keep).run, daemon=True)
        self.thread.start()

    def _keep(self, message: object) -> None:
        with self.lock:
            self.messages.append(message)

    def send(self, command: p.Command) -> None:
        self.sent += 1
        self.commands.send((command, self.sent))

    def of(self, kind: type, run: int | None = None) -> list:
        with self.lock:
            return [m for m in self.messages if isinstance(m, kind) and (run is None or m.run == run)]

    def wait_for(self, kind: type, run: int, count: int = 1, timeout: float = 60.0) -> list:
        end = time.monotonic() + timeout
        while len(self.of(kind, run)) < count:
            assert time.monotonic() < end, f"no {kind.__name__} for run {run} in {timeout} s"
            time.sleep(0.01)
        return self.of(kind, run)

    def steps(self, run: int) -> np.ndarray:
        return np.concatenate([p.steps for p in self.of(Progress, run)] or [np.empty(0)])

    def losses(self, run: int) -> np.ndarray:
        return np.concatenate([p.losses for p in self.of(Progress, run)] or [np.empty(0)])

    def close(self) -> None:
        self.send(p.Quit())
        self.thread.join(30)


@pytest.fixture
def worker():
    w = Worker()
    yield w
    w.close()
