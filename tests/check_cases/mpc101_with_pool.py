"""MPC101: leaving ``with Pool()`` terminates the workers.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
"""

from __future__ import annotations

import multiprocessing


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


def bad() -> None:
    """The block ends the pool with terminate()."""
    with multiprocessing.Pool(2) as pool:  # expect: MPC101
        print(pool.map(work, [1, 2]))


def fixed() -> None:
    """close() and join() are the block's last lines: nothing is left to terminate."""
    with multiprocessing.Pool(2) as pool:
        print(pool.map(work, [1, 2]))
        pool.close()
        pool.join()
