"""MPC106: a pool never closed and joined, also one made by a factory function.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


def make_pool(size: int) -> multiprocessing.pool.Pool:
    """A factory: the caller owns the pool it returns."""
    return multiprocessing.Pool(size)


def stop(pool: multiprocessing.pool.Pool) -> None:
    """A helper that ends the pool it is given."""
    pool.close()
    pool.join()


def bad() -> None:
    """Nothing ends these pools but their finalizers."""
    pool = make_pool(2)  # expect: MPC106
    print(pool.map(work, [1, 2]))
    print(multiprocessing.Pool(2).map(work, [3]))  # expect: MPC106


def fixed() -> None:
    """The helper closes and joins it."""
    pool = make_pool(2)
    print(pool.map(work, [1, 2]))
    stop(pool)
