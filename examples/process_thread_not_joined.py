"""A child that starts a thread and returns without joining it: still measured.

``multiprocessing``'s ``_bootstrap`` ends with ``threading._shutdown()``, which
waits for every non-daemon thread, before it returns to coverage.py's wrapper
that saves (CPython ``Lib/multiprocessing/process.py``, 3.9 to 3.13). So a
thread the target forgot to join still finishes, and its lines are saved.

Settings: ``concurrency = ["multiprocessing", "thread"]`` (the thread must be
traced at all: see ``process_threads_multiprocessing``).
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing", "thread"]

[tool.mpcov]
expect = "measured"
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time


def in_thread(x: int) -> None:
    """Run in a non-daemon thread of the child, after the target has returned."""
    time.sleep(0.5)  # the target returns long before this line ends
    print(x * 2)  # mpcov: child


def work(x: int) -> None:
    """Run in the child process: start a thread and return at once."""
    threading.Thread(target=in_thread, args=(x,)).start()


def main() -> None:
    """Start one child and wait for it."""
    process = multiprocessing.Process(target=work, args=(21,))
    process.start()
    process.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
