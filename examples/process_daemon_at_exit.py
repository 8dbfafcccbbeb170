"""A daemon process still running when the parent exits: its data is lost.

At interpreter exit multiprocessing's exit handler terminates every daemonic
child that is still alive (SIGTERM on POSIX) before joining the others. A busy
daemon child therefore dies of the signal before coverage.py can save. The
parent waits until the child is busy, so the outcome does not depend on timing.

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


def work(started: Event) -> None:
    """Run in the daemon child: report that it is busy, then keep busy."""
    started.set()  # mpcov: child
    time.sleep(30)  # the parent exits during this sleep


def main() -> None:
    """Start a daemon child and exit while it is still running."""
    started = multiprocessing.Event()
    process = multiprocessing.Process(target=work, args=(started,), daemon=True)
    process.start()
    started.wait(timeout=20)  # the child is now inside work()
    # Returning ends the script: the exit handler terminates the daemon child.


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
