"""``maxtasksperchild``: retired workers save their data, even under ``with Pool()``.

With ``maxtasksperchild=1`` every worker leaves after one task by its normal exit
path, where coverage.py's multiprocessing support saves its data, and the pool
only starts the replacement after the old worker has exited. Here the first task
runs in a worker that has retired and saved before the second task is even
started, so its lines are recorded although the ``with`` block ends with
``terminate()``. Only the worker that ran the last task, which may still be saving,
and any idle replacement are exposed to that race, and neither ran a marked line.
Lines the last task runs would still be at risk; ``close()`` and ``join()`` are the fix.

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


def first(x: int) -> int:
    """Run in the first worker, which retires after this one task."""
    return x * 2  # mpcov: child


def second(x: int) -> int:
    """Run in the replacement worker, which the ``with`` block terminates."""
    return x * 3


def main() -> None:
    """Run two tasks, one after the other, in a one-task-per-worker pool."""
    with multiprocessing.Pool(1, maxtasksperchild=1) as pool:
        print(pool.apply(first, (21,)))
        # The pool starts this task's worker only after the first one has exited.
        print(pool.apply(second, (14,)))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
