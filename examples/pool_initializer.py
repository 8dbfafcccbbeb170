"""A pool ``initializer``: its lines are measured like the tasks' lines.

The initializer runs in each worker before the worker's task loop, after
coverage.py's multiprocessing support has started measuring in that process, so
its lines are recorded as long as the worker later exits cleanly. Here the pool
is closed and joined, so they are.

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

_offset = 0


def setup(offset: int) -> None:
    """Pool initializer: runs once in every worker before its first task."""
    global _offset
    _offset = offset  # mpcov: child


def work(x: int) -> int:
    """Run in a pool worker."""
    return x + _offset  # mpcov: child


def main() -> None:
    """Use an initializer, then close and join the pool."""
    with multiprocessing.Pool(2, initializer=setup, initargs=(100,)) as pool:
        print(pool.map(work, range(4)))
        pool.close()
        pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
