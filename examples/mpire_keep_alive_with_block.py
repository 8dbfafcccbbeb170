"""mpire with ``keep_alive=True``, left by its ``with`` block: still measured.

With ``keep_alive=True`` the workers stay up after ``map()``, and leaving the
``with`` block calls ``WorkerPool.terminate()``, the step that loses data with
the standard library's ``Pool``. mpire's terminate is gentler: it signals only
workers that are running a task, tells idle ones to stop, and joins them, so
they leave through multiprocessing's normal bootstrap exit and coverage.py saves.

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
    """Keep the workers alive and let the ``with`` block terminate them."""
    with WorkerPool(n_jobs=2, start_method=method, keep_alive=True) as pool:
        print(pool.map(work, range(4)))


if __name__ == "__main__":
    # The start method (fork, forkserver or spawn), as `mpcov verify` passes it.
    main(sys.argv[1])
