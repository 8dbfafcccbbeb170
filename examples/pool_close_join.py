"""The fix: ``pool.close()`` and ``pool.join()`` inside the ``with Pool()`` block.

``close()`` tells the workers that no more work is coming, and ``join()`` waits
until every worker has left by its normal exit path, where coverage.py's
multiprocessing support saves the worker's data. By the time ``Pool.__exit__``
calls ``terminate()`` no worker is left to signal, so nothing is lost.

Settings: ``concurrency = ["multiprocessing"]`` makes coverage.py start in every
multiprocessing child and save when the child finishes.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
"""

from __future__ import annotations

import multiprocessing
import sys


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """Close and join the pool before the ``with`` block ends."""
    with multiprocessing.Pool(1) as pool:
        print(pool.apply(work, (21,)))
        pool.close()  # no more tasks: workers exit once the queue is drained
        pool.join()  # wait for them, so each one saves its coverage data


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
