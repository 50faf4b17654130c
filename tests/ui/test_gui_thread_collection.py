"""Python's cyclic garbage is collected in the GUI thread only: a collection in the thread that receives the
worker's messages could destroy Qt objects there and deadlock with the GUI thread."""

import gc
import threading


class Cycle:
    def __init__(self, seen: list[str]) -> None:
        self.me, self.seen = self, seen

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def test_garbage_cycles_are_collected_by_the_gui_thread_while_other_threads_allocate(qtbot, window) -> None:
    assert not gc.isenabled()
    seen: list[str] = []
    for _ in range(3):
        Cycle(seen)

    kept: list[dict] = []

    # enough objects that live on to pass the threshold of a collection (the count of the youngest
    # generation falls below zero when older objects are freed: a long test session frees many)
    needed = 5 * gc.get_threshold()[0] - min(0, gc.get_count()[0])

    def allocate() -> None:  # what the receiving thread does: unpickle messages, objects that live on
        kept.extend({"step": n} for n in range(needed))

    helper = threading.Thread(target=allocate, name="receiver-like")
    helper.start()
    helper.join()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
    assert set(seen) == {threading.main_thread().name}
