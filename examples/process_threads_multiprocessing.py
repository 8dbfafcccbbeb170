"""A child that starts threads, with ``concurrency = ["multiprocessing"]`` only.

Naming ``concurrency`` replaces its default, ``thread``. With the ctrace and
pytrace cores coverage.py then installs its tracer only in the thread that
started measuring, not in threads started later, so the lines the child's
worker thread runs are not recorded, although the child saves normally. Adding
``"thread"`` (see ``process_threads_multiprocessing_thread``) or using the
sysmon core (``process_threads_sysmon``) fixes it.

On Python 3.14 and later, coverage.py 7.9.1 and later choose the sysmon core by
default (``SYSMON_DEFAULT`` in ``coverage/env.py``), which sees every thread; that
case is read from coverage.py's source, not measured here.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: lost, on every start method (measured on Python 3.14+ with coverage.py
7.9.1+: read from source, not measured here).

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "lost"

[[tool.mpcov.when]]
python = ">=3.14"
coverage = ">=7.9.1"
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
