"""A pool that is never closed: left for the interpreter's exit to clean up.

The pool is kept in a module global and the script simply ends. At interpreter
exit multiprocessing's exit handler runs the pool's finalizer, which is
``terminate()``: stop sentinels to the idle workers, then SIGTERM to any worker
that has not exited yet. That is the same race as leaving ``with Pool()``:
the workers' final save is usually cut short. With two workers there is a second way to lose: ``terminate()`` keeps the
lock the workers read their queue under, so the worker that does not get it
never reads its sentinel and is killed idle (``Pool._help_stuff_finish``). When such a pool is
garbage-collected, Python 3.8+ also issues a ``ResourceWarning``, "unclosed
running multiprocessing pool", which Python hides unless warnings are shown
(``-W default``, ``-X dev``, or under pytest).

Settings: ``concurrency = ["multiprocessing"]``, which is not enough here.
Expected: racy on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "racy"
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.pool import Pool

_pool: Pool | None = None


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Use a module-level pool and never close it."""
    global _pool
    _pool = multiprocessing.Pool(2)
    print(_pool.map(work, range(4)))
    # No close(), join() or terminate(): the interpreter's exit handlers end the pool.


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
