"""Training workers kept from one UI test to the next: starting one (a process that imports torch) costs
about two seconds, and most tests do not test the start. A window's session takes an idle worker of the
pool; when the window closes, the worker is emptied (its run unloaded, its settings as a new worker's,
every message of the finished test read and dropped) and waits for the next window. Tests that test the
start itself are marked ``fresh_worker``; a worker started under other environment variables is not
reused, nor one that died, nor one still writing files when its window closed."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Callable

from playground.runtime import protocol as p
from playground.runtime.messages import Catalogue, Stopped
from playground.runtime.process import WorkerProcess, Workers
from playground.runtime.session import QUIT_WAIT

EMPTY_WAIT = 30.0  # seconds a finished worker may take to answer (building a large network, say)
PER_TEST = frozenset({"PYTEST_CURRENT_TEST", "PLAYGROUND_DATA_DIR"})  # read by pytest and the window only


def environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k not in PER_TEST))


class WorkerPool(Workers):
    def __init__(self) -> None:
        self.idle: list[WorkerProcess] = []
        self.started_under: dict[int, tuple] = {}  # id of a worker -> the environment it was started in
        self.catalogue: Catalogue | None = None
        self.emptied = 0

    def start(self) -> WorkerProcess:
        key = environment()
        for index, worker in enumerate(self.idle):
            if self.started_under[id(worker)] == key and worker.process.is_alive():
                del self.idle[index]
                worker.results.put(self.catalogue)  # what a new worker says first
                return worker
        worker = super().start()
        self.started_under[id(worker)] = key
        if self.catalogue is None:
            self.catalogue = worker.results.get(timeout=120)
            worker.results.put(self.catalogue)
        return worker

    def finish(self, worker: WorkerProcess, wait: float, stop_receiving: Callable[[], None]) -> None:
        if wait > QUIT_WAIT:  # still writing files the user asked for: the window waits for them, as the app does
            super().finish(worker, wait, stop_receiving)
            return
        stop_receiving()
        if worker.process.is_alive() and self._empty(worker):
            self.idle.append(worker)
        else:
            super().finish(worker, 0, lambda: None)

    def _empty(self, worker: WorkerProcess) -> bool:
        """Unload the worker's run, answer with a marked stop, drop every message before it."""
        self.emptied += 1
        marker = -self.emptied
        try:
            for command in (p.Unload(marker), p.Speed(0.0), p.Threads(None), p.Focus(None), p.Sampling("", 0.8)):
                worker.commands.send((command, 0))
            worker.commands.send((p.Pause(), 0))  # answered at once by a worker that is not training
            end = time.monotonic() + EMPTY_WAIT
            while True:
                message = worker.results.get(timeout=max(0.0, end - time.monotonic()))
                if message is None:  # the worker ended
                    return False
                if isinstance(message, Stopped) and message.run == marker:
                    return True
        except (queue.Empty, OSError):
            return False

    def close(self) -> None:
        for worker in self.idle:
            super().finish(worker, 5, lambda: None)
        self.idle.clear()
