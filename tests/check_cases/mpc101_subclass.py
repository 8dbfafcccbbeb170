"""MPC101 and MPC104 on a Pool subclass and a Process subclass defined here.

Settings:

[tool.coverage.run]
concurrency = ["multiprocessing"]
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
from typing import Any

context = multiprocessing.get_context("spawn")


def work(x: int) -> int:
    """Run in a worker."""
    return x * 2


class LoggingPool(multiprocessing.pool.Pool):
    """A pool subclass that keeps Pool's ``__exit__`` (terminate)."""


class ClosingPool(multiprocessing.pool.Pool):
    """A pool subclass whose ``__exit__`` closes and joins."""

    def __exit__(self, *exc: object) -> None:
        """Close and join, instead of Pool's terminate()."""
        self.close()
        self.join()


class Worker(context.Process):  # type: ignore[misc, name-defined]  # a context attribute
    """A process class built on a context's Process."""


def bad() -> None:
    """The subclass inherits terminate-on-exit; the worker is killed."""
    with LoggingPool(2) as pool:  # expect: MPC101
        print(pool.map(work, [1, 2]))
    worker: Any = Worker(target=work, args=(1,))
    worker.start()
    worker.kill()  # expect: MPC104


def fixed() -> None:
    """The subclass that closes and joins on exit; the worker is joined."""
    with ClosingPool(2) as pool:
        print(pool.map(work, [1, 2]))
    worker: Any = Worker(target=work, args=(1,))
    worker.start()
    worker.join()
