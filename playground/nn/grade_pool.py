"""The grading processes of ``playground grade``: ``--jobs`` at once, each kept for the next submission,
replaced when one runs past ``--timeout`` or dies, and each limited to ``--memory`` (a submission that
needs more gets its row, and the machine stays up). This module imports no torch: the processes do
(grade.py)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path

from playground.core.machine import memory_bytes
from playground.nn.grade import Row

POLL = 0.2  # seconds between looks at the processes' clocks
LEFT_TO_THE_SYSTEM = 1 << 30  # bytes of the machine's memory no grading process is given
SMALLEST_LIMIT = 1.0  # GB: what importing torch and reading a small dataset take


def default_memory(jobs: int) -> float:
    """The GB each of ``jobs`` grading processes may hold: the machine's memory shared among them."""
    return round(max(SMALLEST_LIMIT, (memory_bytes() - LEFT_TO_THE_SYSTEM) / jobs / 1024**3), 1)


def serve(conn: Connection, assignment: str, memory: float | None) -> None:
    """A grading process: one submission path in, its Row out, until told None; its memory (what it
    allocates, torch's tensors included) limited to ``memory`` GB where the system can limit it."""
    if memory is not None:
        _limit_memory(int(memory * 1024**3))
    import torch

    from playground.core.project import load
    from playground.nn.grade import grade

    torch.set_num_threads(1)  # --jobs processes share the cores; one thread each also keeps sums in one order
    assigned = load(assignment)
    conn.send("ready")
    while (path := conn.recv()) is not None:
        conn.send(grade(assigned, Path(path), memory))


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # not a POSIX system: the processes share the machine's memory unlimited
        return
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


class _Grader:
    """One grading process and the submission it grades."""

    def __init__(self, assignment: Path, memory: float | None) -> None:
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(child, str(assignment), memory), daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.job: tuple[int, Path] | None = None
        self.since = 0.0

    def give(self, index: int, path: Path) -> None:
        self.job, self.since = (index, path), time.monotonic()
        self.conn.send(str(path))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def grade_all(
    assignment: Path,
    submissions: list[Path],
    jobs: int,
    timeout: float,
    done: Callable[[Row], None],
    memory: float | None = None,
) -> list[Row]:
    """Rows in the submissions' order; ``done`` hears of each as it is graded; ``memory``: GB per process."""
    rows: list[Row | None] = [None] * len(submissions)
    waiting = list(enumerate(submissions))
    graders = [_Grader(assignment, memory) for _ in range(min(jobs, len(submissions)))]

    def record(index: int, row: Row) -> None:
        rows[index] = row
        done(row)

    try:
        while waiting or any(g.job for g in graders):
            for grader in graders:
                if grader.ready and grader.job is None and waiting:
                    grader.give(*waiting.pop(0))
            wait([g.conn for g in graders], POLL)
            ended = []
            for i, grader in enumerate(graders):
                if grader.conn.poll():
                    try:
                        answer = grader.conn.recv()
                    except EOFError:
                        answer = None
                    if answer == "ready":
                        grader.ready = True
                        continue
                    if isinstance(answer, Row) and grader.job is not None:
                        index, _ = grader.job
                        grader.job = None
                        record(index, answer)
                        continue
                if not grader.process.is_alive() or (grader.job and time.monotonic() - grader.since > timeout):
                    _end(grader, timeout, record)
                    ended.append(i)
            for i in reversed(ended):  # a fresh one only for what waits
                if waiting:
                    graders[i] = _Grader(assignment, memory)
                else:
                    del graders[i]
    finally:
        for grader in graders:
            grader.stop()
    return [row for row in rows if row is not None]


def _end(grader: _Grader, timeout: float, record: Callable[[int, Row], None]) -> None:
    """A process past its time, or gone, is stopped; its submission's row says why."""
    running = grader.job
    late = running is not None and time.monotonic() - grader.since > timeout
    code = grader.process.exitcode
    grader.stop()
    if running is not None:
        index, path = running
        reason = (
            f"ran past the time limit of {timeout:g} s"
            if late
            else f"the grading process ended without a result (exit code {code}): the network may not fit in memory"
        )
        record(index, Row(str(path), "timed out" if late else "stopped", [], reason))
    elif not late:
        raise RuntimeError(f"a grading process could not start (exit code {code})")
