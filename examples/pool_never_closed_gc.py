"""A pool that is never closed and goes out of scope: garbage collection ends it.

The pool is a local variable of a function that returns without closing it.
When the last reference goes, the pool's finalizer runs ``terminate()`` right
away (and Python 3.8+ issues a ``ResourceWarning``, hidden by default,
"unclosed running multiprocessing pool"): stop
sentinels to the idle workers, then SIGTERM to any worker that has not exited
yet, usually in the middle of coverage.py's final save. With two workers there is a second way to lose: ``terminate()`` keeps the
lock the workers read their queue under, so the worker that does not get it
never reads its sentinel and is killed idle (``Pool._help_stuff_finish``). The CPython docs call
relying on the garbage collector to end a pool incorrect; this is one reason.

Settings: ``concurrency = ["multiprocessing"]``, which is not enough here.
Expected: racy on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "racy"
"""

from __future__ import annotations

import gc
import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def compute() -> list[int]:
    """Use a pool that nothing closes."""
    pool = multiprocessing.Pool(2)
    return pool.map(work, range(4))


def main() -> None:
    """Let the pool be collected when ``compute()`` returns."""
    print(compute())
    gc.collect()  # the pool is garbage by now; collect any cycle so its finalizer has run


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
