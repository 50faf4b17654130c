"""The worker process and its two channels: the command pipe the window writes to and the queue the
worker's messages come back on. ``WORKERS`` starts and ends them; a test session may put a pool there
that hands a finished worker to the next window (tests/ui/conftest.py)."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from playground.runtime import protocol as p


@dataclass
class WorkerProcess:
    process: BaseProcess
    commands: Connection  # the window's end of the command pipe
    results: Any  # a multiprocessing Queue of messages, None when the worker has ended


class Workers:
    """Each window's session starts a worker of its own and ends it with the window."""

    def start(self) -> WorkerProcess:
        context = multiprocessing.get_context("spawn")  # no fork of a process that runs Qt
        results = context.Queue()
        receive_commands, commands = context.Pipe(duplex=False)
        process = context.Process(
            target=p.serve, args=(receive_commands, results.put), name="playground-trainer", daemon=True
        )
        process.start()
        receive_commands.close()
        return WorkerProcess(process, commands, results)

    def finish(self, worker: WorkerProcess, wait: float, stop_receiving: Callable[[], None]) -> None:
        """Tell the worker to quit and wait up to ``wait`` seconds (reading its last messages), then end
        it; then stop reading its messages."""
        process = worker.process
        if process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.commands.send((p.Quit(), 0))
            process.join(wait)
            if process.is_alive():
                process.kill()
                process.join(5)
        stop_receiving()


WORKERS = Workers()
