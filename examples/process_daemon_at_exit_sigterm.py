"""A daemon process still running when the parent exits, with ``[run] sigterm = true``.

The same busy daemon child as ``process_daemon_at_exit``, but coverage.py now
installs a SIGTERM handler in the child. When the parent's exit handler
terminates the daemon, the handler saves the child's data first, then lets the
signal end the process.

Settings: ``concurrency = ["multiprocessing"]`` and ``sigterm = true``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]
sigterm = true

[tool.mpcov]
expect = "measured"
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
