"""``ProcessPoolExecutor(max_tasks_per_child=1)``: every worker retires, and saves, after one task.

``max_tasks_per_child`` (Python 3.11+) makes a worker leave after that many tasks
by its normal exit path, where coverage.py's multiprocessing support saves its
data; the executor starts a replacement for the remaining work. With a ``with``
block the last workers are shut down cleanly too, so every task's lines are
recorded. Without an ``mp_context`` the executor silently uses spawn whenever
``max_tasks_per_child`` is set, whatever the default start method; the example
passes the current context so that it really runs under each start method. The
option cannot be combined with fork: the executor raises ``ValueError``.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured under forkserver and spawn; fork is refused by the executor.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = { forkserver = "measured", spawn = "measured" }
skip = { fork = "ProcessPoolExecutor refuses max_tasks_per_child with the fork start method (ValueError)" }
requires-python = ">=3.11"
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor


def work(x: int) -> int:
    """Run in an executor worker that retires after this task."""
    return x * 2  # mpcov: child


def main() -> None:
    """Run four tasks, each in a fresh worker."""
    context = multiprocessing.get_context()  # the start method chosen below, not spawn
    # mypy checks against Python 3.10, whose ProcessPoolExecutor lacks the argument.
    with ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1) as executor:  # type: ignore[call-overload]
        print(list(executor.map(work, range(4))))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
