"""The recommended helper: ``mpcov.closing_pool`` instead of ``multiprocessing.Pool``.

``closing_pool()`` takes the same arguments as ``multiprocessing.Pool`` (plus a
``context`` and a ``grace`` period). When the ``with`` block ends normally it
closes the pool and joins it, so every worker exits cleanly and coverage.py saves
its data; by default it never waits forever: after ``grace`` seconds (60 unless
you pass another; ``None`` waits without limit), workers still busy are
terminated with an ``IncompleteCoverageWarning``. If the block raises, the pool is
terminated at once.

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

from mpcov import closing_pool


def work(x: int) -> int:
    """Run in a pool worker."""
    return x * 2  # mpcov: child


def main() -> None:
    """A one-line change from ``with multiprocessing.Pool(2) as pool:``."""
    with closing_pool(2) as pool:
        print(pool.map(work, range(4)))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # The start method to use (fork, forkserver or spawn), as `mpcov verify` passes it.
        multiprocessing.set_start_method(sys.argv[1])
    main()
