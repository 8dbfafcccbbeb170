"""``close()`` then ``terminate()`` without ``join()``: the workers may be killed mid-save.

``close()`` only stops new tasks: the workers are still running when
``terminate()`` follows at once, and terminate() sends SIGTERM to each worker that
has not exited yet. That is the same race as leaving a ``with Pool()`` block
(pool_with_block_only): a worker that took its stop sentinel is usually inside
coverage.py's final save when the signal lands. With two workers there is a second way to lose: ``terminate()`` keeps the
lock the workers read their queue under, so the worker that does not get it
never reads its sentinel and is killed idle (``Pool._help_stuff_finish``). Only ``join()`` after ``close()``
waits for the workers to leave by themselves (pool_close_join).

Settings: ``concurrency = ["multiprocessing"]``.
Expected: racy on every start method (often lost).

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "racy"
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close the pool, then terminate it at once instead of joining."""
    pool = multiprocessing.Pool(2)
    print(pool.map(work, range(4)))
    pool.close()
    pool.terminate()  # the workers have not left yet: SIGTERM for each one
    pool.join()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
