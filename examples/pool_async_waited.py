"""``imap_unordered``, ``map_async`` and ``apply_async``, waited on, then ``close()`` and ``join()``.

The asynchronous pool APIs change nothing about how workers end: each result is
collected (iterating ``imap_unordered``, ``get()`` on the others), and then the
pool is closed and joined, so every worker leaves by its normal exit path and
coverage.py saves its data. Waiting on the results alone is not enough: without
``close()`` and ``join()`` the end of the ``with`` block is the classic race of
``pool_with_block_only``.

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
    """Wait on every asynchronous result, then close and join the pool."""
    with multiprocessing.Pool(2) as pool:
        print(sorted(pool.imap_unordered(square, range(4))))
        print(pool.map_async(double, range(4)).get(timeout=30))
        print(pool.apply_async(add, (1, 2)).get(timeout=30))
        pool.close()
        pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
