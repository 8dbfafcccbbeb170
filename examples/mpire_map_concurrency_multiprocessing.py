"""mpire's ``WorkerPool.map`` with ``concurrency = ["multiprocessing"]``: measured.

mpire starts its workers with the standard library's multiprocessing, so
coverage.py's multiprocessing patch reaches them. Unless the pool is created
with ``keep_alive=True``, ``map()`` ends by sending every worker a poison pill
and joining it, so the workers leave by the normal path and save.

Settings: ``concurrency = ["multiprocessing"]``.
Expected: measured, on every start method.

[tool.coverage.run]
concurrency = ["multiprocessing"]

[tool.mpcov]
expect = "measured"
requires = ["mpire"]
"""

from __future__ import annotations

import sys

from mpire.pool import WorkerPool


def work(x: int) -> int:
    """Run in an mpire worker."""
    return x * 2  # mpcov: child


def main(method: str) -> None:
    """Map over an mpire pool; ``map()`` stops and joins the workers."""
    with WorkerPool(n_jobs=2, start_method=method) as pool:
        print(pool.map(work, range(4)))


if __name__ == "__main__":
    # The start method (fork, forkserver or spawn), as `mpcov verify` passes it.
    main(sys.argv[1])
