"""A certain loss: leaving ``with Pool()`` while a worker is still busy.

The parent waits until the worker has started its task, then leaves the ``with``
block without waiting for the result. ``Pool.__exit__`` calls ``terminate()``, which
sends SIGTERM to the busy worker. SIGTERM's default action ends the process at
once: coverage.py never reaches its save, so none of the task's lines are
recorded, although they ran. Unlike the classic race this happens every time.

Settings: ``concurrency = ["multiprocessing"]``; no ``sigterm`` handler.
Expected: lost, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from multiprocessing.synchronize import Event

_started: Event | None = None


def remember(started: Event) -> None:
    """Pool initializer: keep the event in the worker's globals."""
    global _started
    _started = started  # mpcov: child


def slow_work() -> None:
    """Run in a pool worker: report that it started, then stay busy."""
    assert _started is not None  # mpcov: child
    _started.set()  # mpcov: child
    time.sleep(30)  # terminate() arrives during this sleep


def main() -> None:
    """Start a long task and leave the ``with`` block without waiting for it."""
    started = multiprocessing.Event()
    with multiprocessing.Pool(1, initializer=remember, initargs=(started,)) as pool:
        pool.apply_async(slow_work)
        started.wait(timeout=20)  # the worker is now inside slow_work()
    # Pool.__exit__ has sent SIGTERM to the busy worker: its coverage data is gone.


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
