"""A child that starts threads, with ``concurrency = ["multiprocessing", "thread"]``.

With ``"thread"`` added next to ``"multiprocessing"``, coverage.py also hooks
``threading`` in the child, so every thread started there is traced from its
first line. The child saves normally at the end of its bootstrap, and the lines
run by its worker thread are recorded (compare
``process_threads_multiprocessing``, where they are not).

Settings: ``concurrency = ["multiprocessing", "thread"]``.
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


def in_thread(results: list[int], x: int) -> None:
    """Run in a thread of the child process."""
    results.append(x * 2)  # mpcov: child


def work(x: int) -> None:
    """Run in the child process: do the work in a thread."""
    results: list[int] = []
    thread = threading.Thread(target=in_thread, args=(results, x))
    thread.start()
    thread.join()
    print(results)


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
