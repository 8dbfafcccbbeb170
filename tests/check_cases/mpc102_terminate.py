"""MPC102: ``terminate()`` before ``join()``, also after ``close()``.

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
    """close() does not wait for the workers; terminate() then SIGTERMs them."""
    pool = multiprocessing.Pool(2)
    print(pool.map(work, [1, 2]))
    pool.close()
    pool.terminate()  # expect: MPC102


def fixed() -> None:
    """After join() every worker has saved: terminate() can no longer hurt."""
    pool = multiprocessing.Pool(2)
    print(pool.map(work, [1, 2]))
    pool.close()
    pool.join()
    pool.terminate()
