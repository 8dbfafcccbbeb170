"""``ProcessPoolExecutor.shutdown(cancel_futures=True)``: pending work dropped, workers still save.

``cancel_futures=True`` (Python 3.9+) cancels the futures that no worker has
picked up yet, but tasks already running are finished, and the workers then
leave by their normal exit path as in a plain ``shutdown()``. So what did run in
a worker is recorded: here the first task, whose result the parent waits for
before shutting down, while most of the rest are cancelled.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def first(x: int) -> int:
    """Run in an executor worker; the parent waits for it."""
    return x * 2  # mpcov: child


def later(x: int) -> int:
    """Queued behind the first task; most of these are cancelled."""
    time.sleep(0.2)
    return x


def main() -> None:
    """Run one task to completion, queue more, and cancel what has not started."""
    executor = ProcessPoolExecutor(1)
    print(executor.submit(first, 21).result(timeout=30))
    futures = [executor.submit(later, i) for i in range(20)]
    executor.shutdown(wait=True, cancel_futures=True)
    print(sum(f.cancelled() for f in futures), "of", len(futures), "cancelled")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
