"""A child whose daemon thread is still working when the target returns: lost.

``threading._shutdown()`` at the end of ``_bootstrap`` waits for non-daemon
threads only. A daemon thread that is still running when the target returns is
left behind: it is traced until coverage.py's wrapper stops and saves, and what
it runs after that is not recorded. Join daemon threads (or make them
non-daemon) before the target returns.

Settings: ``concurrency = ["multiprocessing", "thread"]``.
Expected: lost, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing", "thread"]

[tool.mpcov]
expect = "lost"
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time


def in_thread(x: int) -> None:
    """Run in a daemon thread of the child, after the target has returned."""
    time.sleep(0.5)  # the target returns long before this line ends
    print(x * 2)  # mpcov: child


def work(x: int) -> None:
    """Run in the child process: start a daemon thread and return at once."""
    threading.Thread(target=in_thread, args=(x,), daemon=True).start()


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
