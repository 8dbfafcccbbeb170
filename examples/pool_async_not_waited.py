"""``imap_unordered``, ``map_async`` and ``apply_async``, not waited on, inside ``with Pool()``.

The tasks are submitted and the ``with`` block ends without waiting for them.
``Pool.__exit__`` calls ``terminate()``: tasks still in the queue are dropped,
and each worker still running, busy with a task or waiting for one, gets SIGTERM,
whose default action ends it before coverage.py can save. Nothing is recorded:
either a task never ran, or it ran in a worker that died unsaved. Each task sleeps
after its marked line so that it is certainly still busy when the signal arrives.

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


def square(x: int) -> int:
    """Run in a pool worker through ``imap_unordered``."""
    result = x * x  # mpcov: child
    time.sleep(5)  # still busy when terminate() arrives
    return result


def double(x: int) -> int:
    """Run in a pool worker through ``map_async``."""
    result = x * 2  # mpcov: child
    time.sleep(5)
    return result


def add(x: int, y: int) -> int:
    """Run in a pool worker through ``apply_async``."""
    result = x + y  # mpcov: child
    time.sleep(5)
    return result


def main() -> None:
    """Submit work and leave the ``with`` block without waiting for it."""
    with multiprocessing.Pool(2) as pool:
        pool.imap_unordered(square, range(4))
        pool.map_async(double, range(4))
        pool.apply_async(add, (1, 2))
    # terminate() has dropped the queued tasks and killed the busy workers.


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
