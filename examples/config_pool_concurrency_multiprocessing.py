"""Configuration compared, 1 of 3: ``concurrency = ["multiprocessing"]`` on a clean pool.

The same cleanly closed pool (``close()`` then ``join()``) is measured under three
configurations. This one patches multiprocessing itself: every child that
multiprocessing starts, by any start method, starts coverage.py before the task
and saves when the child's bootstrap returns. It is the setting that works
everywhere, and the only one coverage.py releases before 7.10 have.

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
