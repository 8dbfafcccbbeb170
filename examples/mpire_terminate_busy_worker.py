"""mpire's ``terminate()`` while a worker is busy: the lines it ran are still measured.

``WorkerPool.terminate()`` does not kill a worker that is running a task. It
sends SIGUSR1, and the worker's own handler turns the signal into an exception
inside the task; the worker catches it, stops, and leaves through
multiprocessing's normal ``_bootstrap`` exit, where coverage.py saves (mpire
2.10: ``WorkerPool._terminate_worker`` in ``mpire/pool.py``,
``AbstractWorker._on_exception_exit_gracefully`` in ``mpire/worker.py``). So
the lines the task ran before the interruption are measured. Only a worker
still alive after about a second of that is sent SIGTERM.

Here the task writes a file once it has run its measured line, the parent waits
for that file, and terminates the pool while the task sleeps.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
requires = ["mpire"]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mpire.pool import WorkerPool

STARTED = Path("task-started")


def busy(x: int) -> int:
    """Run in an mpire worker: do some work, say so, then stay busy."""
    total = x * 2  # mpcov: child
    STARTED.write_text("busy")
    time.sleep(30)  # interrupted by terminate()
    return total


def main(method: str) -> None:
    """Start a long task, wait until it is surely running, then terminate the pool."""
    with WorkerPool(n_jobs=1, start_method=method) as pool:
        pool.apply_async(busy, (21,))
        deadline = time.monotonic() + 20
        while not STARTED.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        pool.terminate()


if __name__ == "__main__":
    # The start method (fork, forkserver or spawn), as `mpcov verify` passes it.
    main(sys.argv[1])
