"""``imap_unordered``, ``map_async`` and ``apply_async``, not waited on, then ``close()`` and ``join()``.

The results are never collected, but the pool is closed and joined before the
``with`` block ends. ``join()`` returns only after the workers have run every
queued task and exited by their normal path, where coverage.py saves their
data. So leaving the results alone is harmless for coverage as long as the pool
is closed and joined (an exception in such a task would go unnoticed, though).

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


def square(x: int) -> int:
    """Run in a pool worker through ``imap_unordered``."""
    return x * x  # mpcov: child


def double(x: int) -> int:
    """Run in a pool worker through ``map_async``."""
    return x * 2  # mpcov: child


def add(x: int, y: int) -> int:
    """Run in a pool worker through ``apply_async``."""
    return x + y  # mpcov: child


def main() -> None:
    """Submit work, never look at the results, close and join the pool."""
    with multiprocessing.Pool(2) as pool:
        pool.imap_unordered(square, range(4))
        pool.map_async(double, range(4))
        pool.apply_async(add, (1, 2))
        pool.close()
        pool.join()  # returns once every queued task has run and the workers have exited


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
