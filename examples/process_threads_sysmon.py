"""A child that starts threads, measured by the sysmon core.

With ``core = "sysmon"`` (Python 3.12+, configurable since coverage.py 7.9)
coverage.py listens to ``sys.monitoring`` events, which are global to the
interpreter: threads are seen without any ``"thread"`` entry in
``concurrency``. So ``concurrency = ["multiprocessing"]`` alone is enough for
the lines run by the child's worker thread.

Settings: ``core = "sysmon"`` and ``concurrency = ["multiprocessing"]``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]
core = "sysmon"

[tool.mpcov]
expect = "measured"
requires-python = ">=3.12"
requires-coverage = ">=7.9"
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
